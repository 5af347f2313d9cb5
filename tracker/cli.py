"""The `tracker` command line."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from events.base import Day
from projections.failures import event_count
from tracker.application import Tracker
from tracker.clock import SystemClock
from tracker.errors import DomainError, SweepInFuture
from tracker.settings import Settings

if TYPE_CHECKING:
    from projections.service import ReadModels

app = typer.Typer(help="Event-sourced lifecycle tracker for cooperation agreements.")
DAY: TypeAdapter[date] = TypeAdapter(Day)


def open_tracker(settings: Settings) -> Tracker:
    return Tracker.connect(settings.database_url, snapshot_interval=settings.snapshot_interval)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the API, the projections and the scheduler in one process."""
    from api.server import serve as serve_api  # the web stack loads only to serve

    serve_api(Settings.from_env(), host, port)


@contextmanager
def _session() -> Iterator[Tracker]:
    """The configured tracker for one command: a refusal is printed, not a traceback."""
    tracker = open_tracker(Settings.from_env())
    try:
        yield tracker
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        tracker.close()


@app.command()
def demo() -> None:
    """Record the sample IACHR agreements; a second run adds nothing."""
    from tracker.seed import load_seed

    with _session() as tracker:
        for outcome in load_seed(tracker):
            added = ", ".join(outcome.added) or "nothing"
            present = ", ".join(outcome.present) or "nothing"
            typer.echo(f"{outcome.reference}: added {added}; already recorded: {present}")


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write every agreement event, in store order, as JSON Lines (stdout by default)."""
    from tracker.transfer import write_export

    with _session() as tracker:
        if output is None:
            count = write_export(tracker, sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as out:
                count = write_export(tracker, out)
    typer.echo(f"exported {count} events", err=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A JSON Lines export.")],
) -> None:
    """Record the events of an export that the store does not hold yet."""
    from tracker.transfer import import_events

    with _session() as tracker, file.open("rb") as lines:
        report = import_events(tracker, lines)
    typer.echo(
        f"imported {report.events_added} events ({report.agreements_created} new agreements); "
        f"{report.events_present} were already recorded"
    )


projections_app = typer.Typer(help="The read models behind lists, search, the feed and reminders.")
app.add_typer(projections_app, name="projections")


FAILURES_LISTED = 100


@contextmanager
def _read_models() -> Iterator[tuple[Tracker, ReadModels]]:
    """The configured tracker and its read models, for one `projections` command."""
    from projections.service import ReadModels

    with _session() as tracker:
        read_models = ReadModels.connect(Settings.from_env().database_url)
        try:
            yield tracker, read_models
        finally:
            read_models.close()


def _echo_failures(read_models: ReadModels) -> int:
    """Print the events that could not be projected; returns how many there are."""
    failed = read_models.failed_events(FAILURES_LISTED)
    if not failed:
        return 0
    count = read_models.failure_count()
    typer.echo(
        f"{event_count(count)} could not be projected; their agreements wait at their last good"
        " state until `tracker projections retry` succeeds:"
    )
    for failure in failed:
        typer.echo(f"  {failure.sentence()} ({failure.failed_at:%Y-%m-%d %H:%M} UTC)")
    if count > len(failed):
        typer.echo(f"  and {event_count(count - len(failed))} more.")
    return count


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """Empty every read model and rebuild it from the events; list the events that failed."""
    with _read_models() as (tracker, read_models):
        started = time.perf_counter()
        count = read_models.rebuild(tracker)
        elapsed = time.perf_counter() - started
        database_url = Settings.from_env().database_url
        typer.echo(
            f"rebuilt the read models of {database_url} from {count} events in {elapsed:.1f} s"
        )
        _echo_failures(read_models)


@projections_app.command("status")
def projections_status() -> None:
    """Each read model's position in the event log, the log's head and the lag; failed events."""
    with _read_models() as (tracker, read_models):
        statuses = read_models.status(tracker)
        typer.echo(f"{'projection':<14}{'position':>10}{'head':>10}{'lag':>10}")
        for status in statuses:
            typer.echo(f"{status.name:<14}{status.position:>10}{status.head:>10}{status.lag:>10}")
        _echo_failures(read_models)


@projections_app.command("retry")
def projections_retry() -> None:
    """Process the events that failed again (after a correction or a fix); clear those that pass."""
    with _read_models() as (tracker, read_models):
        retried = read_models.retry(tracker)
        typer.echo(
            f"retried {event_count(retried.events)}: {retried.projected} projected,"
            f" {retried.still_failing} still not"
        )
        remaining = _echo_failures(read_models)
    if remaining:
        typer.echo(f"error: {event_count(remaining)} still cannot be projected", err=True)
        raise typer.Exit(1)


reminders_app = typer.Typer(help="Reminders of anniversaries, expiries, notices and follow-ups.")
app.add_typer(reminders_app, name="reminders")


def _day(value: str) -> date:
    """A date given on the command line, under the catalog's rule for dates."""
    try:
        return DAY.validate_python(value)
    except ValidationError as error:
        raise typer.BadParameter(error.errors()[0]["msg"]) from None


@reminders_app.command("sweep")
def reminders_sweep(
    today: Annotated[
        date | None,
        typer.Option(
            parser=_day,
            metavar="YYYY-MM-DD",
            help="Sweep as if today were this date; a later date needs --dry-run.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what the sweep would record and issue; record nothing."
        ),
    ] = False,
) -> None:
    """Issue the reminders due today; record expiries, renewals and entries into force."""
    from tracker.sweep import sweep_once

    try:
        report = sweep_once(Settings.from_env(), SystemClock(), today, dry_run=dry_run)
    except SweepInFuture as error:
        typer.echo(
            f"error: {error.day} is after today ({error.today}) and a sweep records only what"
            " has happened; add --dry-run to see what it would record and issue",
            err=True,
        )
        raise typer.Exit(1) from None
    typer.echo(report.summary())
    for line in report.lines:
        typer.echo(line)
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)


if __name__ == "__main__":
    app()
