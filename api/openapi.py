"""The OpenAPI document as clients and generators need it, made from FastAPI's own.

FastAPI derives the document from the routes and the catalog's models; this
module states what those cannot:

- a union's discriminator (`type`) is required in every schema it maps to, so
  a body without `type` fails schema validation as it fails on the server; a
  schema also used on its own (a nested draft, where `type` may be left out)
  gets a copy for the union;
- a field the tracker sets, left out of request schemas, is published
  `readOnly`, as responses carry it;
- text parameters may not hold control characters, as the server checks
  (and it refuses a query parameter the operation does not declare);
- security follows the configuration: none on an open server (and no 401 or
  403), bearer tokens otherwise (and no `X-Actor`, which tokens replace).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from api.http import TEXT_PATTERN
from events.catalog import EVENT_TYPES
from tracker.settings import Settings

Document = dict[str, Any]

TAGS = [
    {"name": "agreements", "description": "Draft agreements, record their events, read them."},
    {"name": "browse", "description": "Lists across agreements, and the feed of every event."},
    {"name": "reminders", "description": "Reminders of dates that matter, and their calendar."},
    {"name": "schemas", "description": "JSON Schemas of the files the tracker reads and writes."},
    {"name": "health", "description": "Whether the process is up and its store reachable."},
]
"""The order in which documentation shows the operations."""


def operation_id(route: APIRoute) -> str:
    """`draft_agreement` -> `draftAgreement`: short, and stable while the function keeps its
    name (the tests pin every id)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the finished document at /openapi.json, built once on first use."""
    build = app.openapi

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = finished(build(), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finished(document: Document, settings: Settings) -> Document:
    _server_set_fields_read_only(document)
    _discriminators_required(document)
    _plain_text_parameters(document)
    _security(document, settings)
    return document


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _server_set_fields_read_only(document: Document) -> None:
    """A field of an event that its request schema leaves out is one the tracker sets."""
    schemas = document["components"]["schemas"]
    for cls in EVENT_TYPES.values():
        properties = schemas.get(cls.__name__, {}).get("properties")
        for name, field in cls.model_fields.items() if properties else ():
            if name not in properties:
                published = TypeAdapter[Any](cast(Any, field.annotation)).json_schema()
                title = name.replace("_", " ").title()
                properties[name] = {**published, "title": title, "readOnly": True}


def _discriminators_required(document: Document) -> None:
    schemas = document["components"]["schemas"]
    unions = [n for n in _nodes(document) if "mapping" in n.get("discriminator", {})]
    every_use = Counter(n["$ref"] for n in _nodes(document) if "$ref" in n)
    union_use = Counter(choice["$ref"] for union in unions for choice in union["oneOf"])
    for union in unions:
        tag = union["discriminator"]["propertyName"]
        for value, ref in union["discriminator"]["mapping"].items():
            if every_use[ref] > union_use[ref]:
                ref = _own_copy(schemas, union, value, ref)
            schema = schemas[_name(ref)]
            if tag not in schema.get("required", []):
                schema["required"] = [tag, *schema.get("required", [])]


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def _own_copy(schemas: dict[str, Any], union: dict[str, Any], value: str, ref: str) -> str:
    """Point the union's choice `value` at a copy of its schema, `<Name>Event`."""
    copied = f"#/components/schemas/{_name(ref)}Event"
    schemas[_name(copied)] = {**copy.deepcopy(schemas[_name(ref)]), "title": _name(copied)}
    union["discriminator"]["mapping"][value] = copied
    union["oneOf"] = [{"$ref": copied} if c["$ref"] == ref else c for c in union["oneOf"]]
    return copied


def _plain_text_parameters(document: Document) -> None:
    """Query parameters and `X-Actor`: the server refuses control characters in them."""
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" or parameter["name"] == "x-actor":
                for schema in _string_schemas(parameter["schema"]):
                    schema["pattern"] = TEXT_PATTERN


def _string_schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The free-text string schemas of a parameter (not dates, ids, enums or patterns)."""
    for choice in schema.get("anyOf", [schema]):
        if choice.get("type") == "string" and not {"format", "enum", "const", "pattern"} & set(
            choice
        ):
            yield choice


def _security(document: Document, settings: Settings) -> None:
    for operation in _operations(document):
        if settings.api_tokens and "parameters" in operation:
            kept = [p for p in operation["parameters"] if p["name"] != "x-actor"]
            operation["parameters"] = kept
        if not settings.api_tokens:
            operation.pop("security", None)
            for status in ("401", "403"):
                operation["responses"].pop(status, None)
    if not settings.api_tokens:
        document["components"].pop("securitySchemes", None)


def _operations(document: Document) -> Iterator[dict[str, Any]]:
    for path in document["paths"].values():
        yield from path.values()
