"""Running the API in this process with uvicorn (what `tracker serve` does)."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from tracker.settings import Settings


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted: one process, one tracker, projections and scheduler inside."""
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_level="info")
