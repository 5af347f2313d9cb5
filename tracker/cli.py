"""The `tracker` command line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from tracker.application import Tracker
from tracker.errors import DomainError
from tracker.keys_cli import check_keys, keys_app
from tracker.settings import Settings

app = typer.Typer(help="Event-sourced lifecycle tracker for cooperation agreements.")


def open_tracker(settings: Settings) -> Tracker:
    return Tracker.connect(settings.database_url, snapshot_interval=settings.snapshot_interval)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the API, the projections and the scheduler in one process."""
    from api.server import serve as serve_api  # the web stack loads only to serve

    settings = Settings.from_env()
    check_keys(settings.database_url)  # a store the keys cannot open is refused in one line
    serve_api(settings, host, port)


@contextmanager
def _session() -> Iterator[Tracker]:
    """The configured tracker for one command: a refusal is printed, not a traceback."""
    try:
        with closing(open_tracker(Settings.from_env())) as tracker:
            yield tracker
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None


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
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt with TRACKER_EXPORT_PASSPHRASE (AES-GCM).")
    ] = False,
) -> None:
    """Write every agreement event, in store order, as JSON Lines (stdout by default)."""
    from tracker.sealed_export import export_output
    from tracker.transfer import write_export

    with _session() as tracker, export_output(output, encrypt) as out:
        count = write_export(tracker, out)
    typer.echo(f"exported {count} events", err=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A JSON Lines export.")],
) -> None:
    """Record the events of an export that the store does not hold yet."""
    from tracker.sealed_export import export_lines
    from tracker.transfer import import_events

    with _session() as tracker, file.open("rb") as lines:
        report = import_events(tracker, export_lines(lines))
    typer.echo(
        f"imported {report.events_added} events ({report.agreements_created} new agreements); "
        f"{report.events_present} were already recorded"
    )


app.add_typer(keys_app, name="keys")

projections_app = typer.Typer(help="The read models behind lists, search, the feed and reminders.")
app.add_typer(projections_app, name="projections")


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """Empty every read model and rebuild it from the events."""
    from projections.service import ReadModels

    with _session() as tracker:
        database_url = Settings.from_env().database_url
        read_models = ReadModels.connect(database_url)
        try:
            started = time.perf_counter()
            count = read_models.rebuild(tracker)
            elapsed = time.perf_counter() - started
        finally:
            read_models.close()
    typer.echo(f"rebuilt the read models of {database_url} from {count} events in {elapsed:.1f} s")


@projections_app.command("status")
def projections_status() -> None:
    """Each read model's position in the event log, the log's head and the lag."""
    from projections.service import ReadModels

    with _session() as tracker:
        read_models = ReadModels.connect(Settings.from_env().database_url)
        try:
            statuses = read_models.status(tracker)
        finally:
            read_models.close()
    typer.echo(f"{'projection':<14}{'position':>10}{'head':>10}{'lag':>10}")
    for status in statuses:
        typer.echo(f"{status.name:<14}{status.position:>10}{status.head:>10}{status.lag:>10}")


reminders_app = typer.Typer(help="Reminders of anniversaries, expiries, notices and follow-ups.")
app.add_typer(reminders_app, name="reminders")


@reminders_app.command("sweep")
def reminders_sweep(
    today: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Sweep as if today were this date (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Issue the reminders due today; record expiries, renewals and entries into force."""
    from tracker.sweep import sweep_once

    settings = Settings.from_env()
    check_keys(settings.database_url)
    report = sweep_once(settings, today.date() if today else None)
    typer.echo(report.summary())
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)


if __name__ == "__main__":
    app()
