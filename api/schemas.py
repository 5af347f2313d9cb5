"""JSON Schemas of the files the tracker writes, for tools that read or make them.

`/api/schemas/export-line.json` describes one line of `tracker export` (JSON
Lines). It is the JSON Schema of the export's own line model,
`tracker.transfer.lines.LINE`, so it follows the format: one object per
stored event, chosen by its `stream` (see the README's table).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tracker.transfer.lines import LINE

router = APIRouter(prefix="/api/schemas", tags=["schemas"])


def export_line_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/schemas/export-line.json",
        "title": "Export line",
        "description": "One line of `tracker export`: one stored event of one stream.",
        **LINE.json_schema(),
    }


class SchemaResponse(JSONResponse):
    media_type = "application/schema+json"


@router.get(
    "/export-line.json",
    response_class=SchemaResponse,
    response_model=dict[str, Any],
    summary="JSON Schema of one line of an export",
)
def get_export_line_schema() -> dict[str, Any]:
    return export_line_schema()
