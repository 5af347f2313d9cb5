"""The served OpenAPI document, and instances checked against its component schemas."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from api.app import create_app
from tracker.settings import Settings


def document(**settings: Any) -> dict[str, Any]:
    """The document an app with these settings serves (building it opens no store)."""
    return create_app(Settings(**settings)).openapi()


def conforms(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> bool:
    """Whether `instance` is valid for `schema`, whose refs point into the document."""
    rooted = {**schema, "components": doc["components"]}
    return bool(jsonschema_rs.Draft202012Validator(rooted).is_valid(instance))


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}
