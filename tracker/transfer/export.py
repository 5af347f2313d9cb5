"""Writing an export: every event the store holds, in store order, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from tracker.application import Tracker
from tracker.progress import Advance, ignore
from tracker.transfer.lines import Line, dump, line_of

PAGE_SIZE = 500


def exported_lines(tracker: Tracker, advance: Advance = ignore) -> Iterator[Line]:
    """Every stored event of every stream, in store order, read a page at a time.

    `advance` is called with the size of each page read.
    """
    position = 0
    while True:
        page = tracker.recorder.select_notifications(position, PAGE_SIZE, inclusive_of_start=False)
        if not page:
            return
        for notification in page:
            yield line_of(tracker.mapper.to_domain_event(notification))
        advance(len(page))
        position = page[-1].id


def write_export(tracker: Tracker, out: TextIO, advance: Advance = ignore) -> int:
    """Write the export as JSON Lines (UTF-8 text, accents as they are); returns the count."""
    count = 0
    for line in exported_lines(tracker, advance):
        out.write(json.dumps(dump(line), ensure_ascii=False) + "\n")
        count += 1
    return count
