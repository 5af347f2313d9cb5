"""A client generated from the live /openapi.json by openapi-python-client drafts an agreement,
signs it under If-Match with the ETag it got, and reads the history back as typed events."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.http_support import live_server
from tracker.clock import FixedClock

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "tracker_client"


@pytest.fixture
def generated(tmp_path: Path, sqlite_url: str, clock: FixedClock) -> Iterator[tuple[Any, str]]:
    """The generated package, imported, and the base URL of the server it was generated from."""
    with live_server(sqlite_url, clock) as base:
        spec = tmp_path / "openapi.json"
        spec.write_bytes(httpx.get(f"{base}/openapi.json").content)
        env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
        command = [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none"]
        done = subprocess.run(
            [*command, "--output-path", str(tmp_path / PACKAGE)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Warning" not in done.stdout, done.stdout
        sys.path.insert(0, str(tmp_path))
        try:
            yield importlib.import_module(PACKAGE), base
        finally:
            sys.path.remove(str(tmp_path))
            for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
                del sys.modules[name]


@pytest.mark.slow
def test_a_generated_client_drafts_signs_and_reads_typed_history(
    generated: tuple[Any, str],
) -> None:
    package, base = generated
    api = importlib.import_module(f"{PACKAGE}.api.agreements")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = package.Client(base_url=base)

    draft = importlib.import_module(f"{api.__name__}.draft_agreement")
    created = draft.sync_detailed(
        client=client,
        body=models.DraftAgreement(title="Generated", kind=models.AgreementKind.OTHER),
        x_actor="Ana Lima",
    )
    assert created.status_code == 201
    agreement = created.parsed
    assert isinstance(agreement, models.AgreementState)
    assert agreement.status == models.Status.DRAFT

    record = importlib.import_module(f"{api.__name__}.record_event")
    stale = record.sync_detailed(agreement.id, client=client, body=models.Signed(), if_match='"7"')
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.ErrorResponse)
    signed = record.sync_detailed(
        agreement.id,
        client=client,
        body=models.Signed(
            signatories=[models.Signatory(name="Emilio Álvarez Icaza", party="IACHR")]
        ),
        if_match=created.headers["ETag"],
    )
    assert signed.status_code == 201
    assert signed.parsed.status == models.Status.SIGNED

    history = importlib.import_module(f"{api.__name__}.get_history").sync(
        agreement.id, client=client
    )
    assert isinstance(history, models.History)
    assert [type(event.data) for event in history.events] == [
        models.DraftedEvent,
        models.Signed,
    ]
    assert history.events[0].recorded_by == "Ana Lima"
    assert history.events[1].data.signatories[0].name == "Emilio Álvarez Icaza"
