"""(being written)"""

from portal_web.blueprints import console  # noqa: F401
