"""Progress of long operations: a bar on a terminal, nothing anywhere else.

Long work takes an `Advance` callback and calls it with the number of items
it just finished; it knows nothing of terminals. The command line wraps the
call in `progress(...)`, which draws a bar on stderr when stderr is a
terminal and the work is big enough to be worth one, and otherwise hands out
a callback that does nothing: output piped to a file or read by a program
stays clean. The bar goes away when the work ends.

    with progress("Rebuilding the read models", total=head) as advance:
        read_models.rebuild(tracker, advance)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

Advance = Callable[[int], None]
"""Called with how many more items are done."""

SHOWN_FROM = 300
"""Work of fewer items than this ends before a bar would help."""


def ignore(_: int) -> None:
    """The callback for work nobody watches."""


@contextmanager
def progress(
    description: str, total: int | None, *, console: Console | None = None
) -> Iterator[Advance]:
    """A callback advancing a bar of `total` items (None: of unknown length).

    `console` is where to draw (stderr by default); the bar only appears when
    it is a terminal and `total` is unknown or at least `SHOWN_FROM`.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = console or Console(stderr=True)
    if not console.is_terminal or (total is not None and total < SHOWN_FROM):
        yield ignore
        return
    columns = [TextColumn("{task.description}"), BarColumn()]
    if total is None:
        columns.append(TimeElapsedColumn())
    else:
        columns += [MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)
