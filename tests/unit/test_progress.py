"""The progress helper: a bar on a terminal for long work, nothing otherwise."""

from __future__ import annotations

import io

from rich.console import Console

from tracker.progress import SHOWN_FROM, progress


def console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=100), out


def test_long_work_on_a_terminal_draws_a_bar() -> None:
    terminal, out = console(terminal=True)

    with progress("Exporting", SHOWN_FROM, console=terminal) as advance:
        for _ in range(SHOWN_FROM):
            advance(1)

    assert "Exporting" in out.getvalue()
    assert f"{SHOWN_FROM}/{SHOWN_FROM}" in out.getvalue()


def test_work_of_unknown_length_on_a_terminal_draws_a_bar() -> None:
    terminal, out = console(terminal=True)

    with progress("Updating the read models", None, console=terminal) as advance:
        advance(5)

    assert "Updating the read models" in out.getvalue()


def test_nothing_is_drawn_elsewhere_or_for_short_work() -> None:
    piped, piped_out = console(terminal=False)
    terminal, terminal_out = console(terminal=True)

    with progress("Exporting", 10 * SHOWN_FROM, console=piped) as advance:
        advance(10 * SHOWN_FROM)
    with progress("Exporting", SHOWN_FROM - 1, console=terminal) as advance:
        advance(SHOWN_FROM - 1)

    assert piped_out.getvalue() == terminal_out.getvalue() == ""
