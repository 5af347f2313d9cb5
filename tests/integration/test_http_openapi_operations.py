"""Short stable operationIds, tags in reading order, and links from a create to what follows."""

from __future__ import annotations

from tests.integration.openapi_support import document

DOC = document()

OPERATION_IDS = {
    ("post", "/api/agreements"): "draftAgreement",
    ("get", "/api/agreements"): "listAgreements",
    ("post", "/api/agreements/{agreement_id}/events"): "recordEvent",
    ("get", "/api/agreements/{agreement_id}"): "getAgreement",
    ("get", "/api/agreements/{agreement_id}/history"): "getHistory",
    ("get", "/api/agreements/{agreement_id}/events/{version}"): "getEvent",
    ("get", "/api/events"): "listEvents",
    ("get", "/api/reminders"): "listReminders",
    ("get", "/api/reminders/{reminder_id}"): "getReminder",
    ("post", "/api/reminders/{reminder_id}/acknowledge"): "acknowledgeReminder",
    ("post", "/api/reminders/acknowledge"): "acknowledgeReminders",
    ("get", "/api/calendar.ics"): "getCalendar",
    ("get", "/api/schemas/export-line.json"): "getExportLineSchema",
    ("get", "/healthz"): "healthz",
    ("get", "/readyz"): "readyz",
}


def test_every_operation_has_its_pinned_id() -> None:
    found = {
        (method, path): operation["operationId"]
        for path, operations in DOC["paths"].items()
        for method, operation in operations.items()
    }
    assert found == OPERATION_IDS


def test_tags_are_listed_in_reading_order_and_cover_every_operation() -> None:
    names = [tag["name"] for tag in DOC["tags"]]
    assert names == ["agreements", "browse", "reminders", "schemas", "health"]
    assert all(tag["description"] for tag in DOC["tags"])
    used = {t for ops in DOC["paths"].values() for op in ops.values() for t in op["tags"]}
    assert used == set(names)


def test_links_lead_from_create_to_record_to_read() -> None:
    ids = set(OPERATION_IDS.values())
    drafted = DOC["paths"]["/api/agreements"]["post"]["responses"]["201"]["links"]
    recorded = DOC["paths"]["/api/agreements/{agreement_id}/events"]["post"]["responses"]["201"]
    assert {"recordEvent", "getAgreement", "getHistory"} <= set(drafted)
    assert drafted["recordEvent"]["parameters"] == {
        "agreement_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    assert {"recordEvent", "getAgreement", "getHistory", "getEvent"} <= set(recorded["links"])
    for links in (drafted, recorded["links"]):
        assert {link["operationId"] for link in links.values()} <= ids
