"""The `tracker` command line."""

from __future__ import annotations

import typer

from tracker.application import Tracker
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
    settings = Settings.from_env()
    tracker = open_tracker(settings)
    typer.echo(f"store: {settings.database_url} (listening on {host}:{port} comes with the API)")
    tracker.close()


if __name__ == "__main__":
    app()
