"""Every table of the domain on one metadata, for migrations and for tests that build or
compare the whole schema (each sub-package's models.py registers its own tables)."""

from __future__ import annotations

import ticketing.accounts.models
import ticketing.audit.models
import ticketing.billing.models
import ticketing.calendar.models
import ticketing.calls.models
import ticketing.integrations.models
import ticketing.models
import ticketing.monitoring.models
import ticketing.oncall.models
import ticketing.paging.models
import ticketing.service_requests.models  # noqa: F401
from ticketing.orm import Base

metadata = Base.metadata
