"""JSON Schemas of the files the tracker writes, for tools that read or make them.

`/api/schemas/export-line.json` describes one line of `tracker export` (JSON
Lines). It is built from the export's own model, `tracker.transfer.
ExportedEvent`, so it follows the format. An export may hold more than one
stream: a line names its stream in `stream` (absent on agreement events, the
first stream), an open set so a reader of this schema accepts lines of a
stream it does not know yet, which need only be objects.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from events.catalog import EVENT_TYPES
from tracker.transfer import ExportedEvent

router = APIRouter(prefix="/api/schemas", tags=["schemas"])

AGREEMENTS = "agreements"
"""The stream of agreement events, the one every export has."""


def export_line_schema() -> dict[str, Any]:
    agreement_event = ExportedEvent.model_json_schema()
    properties = agreement_event["properties"]
    properties["stream"] = {"const": AGREEMENTS}
    properties["type"] = {
        "title": "Type",
        "description": "The event's type; a newer tracker may know more.",
        "anyOf": [{"enum": sorted(EVENT_TYPES)}, {"type": "string"}],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/schemas/export-line.json",
        "title": "Export line",
        "description": "One line of `tracker export`, a JSON object.",
        "type": "object",
        "properties": {
            "stream": {
                "description": f"Which stream the line belongs to; absent means {AGREEMENTS}.",
                "anyOf": [{"enum": [AGREEMENTS]}, {"type": "string"}],
            }
        },
        "if": {"properties": {"stream": {"const": AGREEMENTS}}},
        "then": {"$ref": "#/$defs/AgreementEvent"},
        "$defs": {"AgreementEvent": agreement_event},
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
