"""The `tracker` command line (what each command says around its work: `tracker.console`)."""

from __future__ import annotations

import os
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
from tracker.console import DEBUG_FLAG, SentenceGroup, store_command
from tracker.errors import SweepInFuture
from tracker.keys_cli import check_keys, keys_app
from tracker.progress import Advance, progress
from tracker.settings import Settings

if TYPE_CHECKING:
    from projections.service import ReadModels

DAY: TypeAdapter[date] = TypeAdapter(Day)
app = typer.Typer(
    cls=SentenceGroup,
    help="Event-sourced lifecycle tracker for cooperation agreements.",
    pretty_exceptions_enable=False,
)
NEW = {
    "agreement": ("new agreement", "new agreements"),
    "reminder": ("new reminder", "new reminders"),
    "reference": ("new reference claim", "new reference claims"),
    "receipt": ("new idempotency receipt", "new idempotency receipts"),
}


@app.callback(invoke_without_command=True)
def options(
    context: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            DEBUG_FLAG, help="Show the traceback of an unexpected error (TRACKER_DEBUG=1)."
        ),
    ] = False,
) -> None:
    """Event-sourced lifecycle tracker for cooperation agreements."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


def open_tracker(settings: Settings) -> Tracker:
    return Tracker.connect(
        settings.database_url, clock=settings.clock, snapshot_interval=settings.snapshot_interval
    )


@contextmanager
def _session() -> Iterator[Tracker]:
    """The configured tracker for one command."""
    tracker = open_tracker(Settings.from_env())
    try:
        yield tracker
    finally:
        tracker.close()


@app.command()
@store_command(creates=True)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the API, the projections and the scheduler in one process."""
    from api.server import serve as serve_api  # the web stack loads only to serve

    settings = Settings.from_env()
    check_keys(settings.database_url)  # a store the keys cannot open is refused in one line
    serve_api(settings, host, port)


@app.command()
@store_command(creates=True)
def demo() -> None:
    """Record the sample IACHR agreements; a second run adds nothing."""
    from tracker.seed import load_seed, summary

    with _session() as tracker:
        outcomes = load_seed(tracker)
        for outcome in outcomes:
            typer.echo(outcome.line())
        typer.echo(summary(outcomes))


def _writable(output: Path | None) -> Path | None:
    """An export's file must be one that can be written, checked before the export starts."""
    if output is None:
        return None
    folder = output.resolve().parent
    if output.is_dir():
        raise typer.BadParameter(f"{output} is a folder; name a file in it")
    if not folder.is_dir():
        raise typer.BadParameter(f"there is no folder {folder} to write {output.name} in")
    if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise typer.BadParameter(f"{output} cannot be written here (permission denied)")
    return output


@app.command()
@store_command()
def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", callback=_writable, help="File to write (stdout by default)."
        ),
    ] = None,
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt with TRACKER_EXPORT_PASSPHRASE (AES-GCM).")
    ] = False,
) -> None:
    """Write every stored event, in store order, as JSON Lines: a full backup."""
    from tracker.sealed_export import export_output
    from tracker.transfer import write_export

    with _session() as tracker:
        total = tracker.recorder.max_notification_id() or 0
        with progress("Exporting", total) as advance:
            if output is None:
                with export_output(None, encrypt) as out:
                    count = write_export(tracker, out, advance)
            else:
                count = _export_to(tracker, output, encrypt, advance)
    typer.echo(f"exported {count} events", err=True)


def _export_to(tracker: Tracker, output: Path, encrypt: bool, advance: Advance) -> int:
    """Write beside the file, then put it in place: a failed export leaves no half backup."""
    from tracker.sealed_export import export_output
    from tracker.transfer import write_export

    partial = output.with_name(f".{output.name}.partial")
    try:
        with export_output(partial, encrypt) as out:
            count = write_export(tracker, out, advance)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return count


@app.command("import")
@store_command(creates=True)
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A JSON Lines export.")],
) -> None:
    """Record the events of an export that the store does not hold yet, then update the views.

    The whole file is checked first; any problem refuses it and nothing is written.
    """
    from projections.service import ReadModels
    from tracker.sealed_export import export_lines
    from tracker.transfer import prepare_import

    with file.open("rb") as counted:
        total = sum(1 for _ in export_lines(counted))
    settings = Settings.from_env()
    with _session() as tracker, file.open("rb") as lines:
        with progress(f"Checking {file.name}", 2 * total) as advance:
            prepared = prepare_import(tracker, export_lines(lines), advance)
        with progress(f"Importing {file.name}", len(prepared.events)) as advance:
            report = prepared.write(advance)
        read_models = ReadModels.connect(settings.database_url)
        try:
            with progress("Updating the read models", None):
                _bring_up_to_date(read_models, tracker)
        finally:
            read_models.close()
    created = [f"{n} {NEW[kind][n != 1]}" for kind, n in report.created.items()]
    typer.echo(
        f"imported {report.added} events ({', '.join(created) or 'nothing new'}); "
        f"{report.present} were already recorded"
    )


def _bring_up_to_date(read_models: ReadModels, tracker: Tracker) -> None:
    """Views that hold nothing yet are built in a rebuild's big batches; others follow the log."""
    if min(read_models.positions().values()) == 0:
        read_models.rebuild(tracker)
    else:
        read_models.catch_up(tracker)


app.add_typer(keys_app, name="keys")

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
@store_command()
def projections_rebuild() -> None:
    """Empty every read model and rebuild it from the events; list the events that failed."""
    with _read_models() as (tracker, read_models):
        started = time.perf_counter()
        total = tracker.recorder.max_notification_id() or 0
        with progress("Rebuilding the read models", total) as advance:
            count = read_models.rebuild(tracker, advance)
        elapsed = time.perf_counter() - started
        database_url = Settings.from_env().database_url
        typer.echo(
            f"rebuilt the read models of {database_url} from {count} events in {elapsed:.1f} s"
        )
        _echo_failures(read_models)


@projections_app.command("status")
@store_command()
def projections_status() -> None:
    """Each read model's position in the event log, the log's head and the lag; failed events."""
    with _read_models() as (tracker, read_models):
        statuses = read_models.status(tracker)
        typer.echo(f"{'projection':<14}{'position':>10}{'head':>10}{'lag':>10}")
        for status in statuses:
            typer.echo(f"{status.name:<14}{status.position:>10}{status.head:>10}{status.lag:>10}")
        _echo_failures(read_models)


@projections_app.command("retry")
@store_command()
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
@store_command()
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
        settings = Settings.from_env()
        check_keys(settings.database_url)
        with progress("Sweeping", None):
            report = sweep_once(settings, settings.clock, today, dry_run=dry_run)
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
