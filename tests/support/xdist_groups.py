"""Keeping each `xdist_group` on one pytest-xdist worker under pytest 9.2."""

from __future__ import annotations

import pytest


def group_suffix(item: pytest.Item) -> str:
    """The "@group" suffix --dist loadgroup gives a grouped test's id ("" when ungrouped)."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "@" + "_".join(sorted(names)) if names else ""


def keep_groups_together(items: list[pytest.Item]) -> None:
    """Give grouped tests the "@group" id suffix the loadgroup scheduler groups them by.

    pytest-xdist 3.8 writes that suffix to `Item._nodeid`, which pytest 9.2 no longer reads
    (a node's id is the structured `Item._id`), so every group would be spread over the
    workers. Where xdist's own suffix took effect, or ids are not structured, nothing
    changes."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest: xdist's own suffix works there
        return
    for item in items:
        suffix = group_suffix(item)
        if suffix and not item.nodeid.endswith(suffix) and isinstance(item._id, NodeId):
            item._id = NodeId.parse(item.nodeid + suffix)
