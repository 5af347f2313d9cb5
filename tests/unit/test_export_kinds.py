"""An export is a backup only if it covers every kind of record the store can hold."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from eventsourcing.domain import Aggregate

import api
import events
import projections
import tracker
from tracker.transfer.lines import KINDS


def subclasses(cls: type[Any]) -> set[type[Any]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= subclasses(sub)
    return found


def test_every_aggregate_of_the_tracker_has_a_kind_of_line() -> None:
    for package in (tracker, events, projections, api):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    aggregates = {
        cls
        for cls in subclasses(Aggregate)
        if cls.__module__.split(".")[0] in {"tracker", "events", "projections", "api"}
    }

    assert aggregates == {kind.aggregate for kind in KINDS.values()}
    assert len(aggregates) == 5
