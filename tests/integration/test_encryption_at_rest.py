"""With TRACKER_CIPHER_KEY, nothing at rest names the sample's people and offices.

Each test makes its own keys, whatever key the run itself uses.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.integration.encryption_support import (
    NAMES,
    histories,
    listed,
    new_key,
    raw_store,
    readable_names,
    seeded,
)
from tracker.application import Tracker
from tracker.cli import app
from tracker.keys import PLAIN, Key, KeyRefused, KeyRing
from tracker.store import Database
from tracker.store_keys import TABLE, connected

runner = CliRunner()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "keyed"])
def test_the_sample_names_are_readable_at_rest_only_without_a_key(
    database_url: str, encrypted: bool
) -> None:
    keys = KeyRing(new_key()) if encrypted else PLAIN
    ids = seeded(database_url, keys)

    found = readable_names(raw_store(database_url))
    searched = listed(database_url, keys, q="defensoria")
    tracker = Tracker.connect(database_url, keys=keys)
    snapshots = tracker.snapshots.recorder.select_events(ids[0]) if tracker.snapshots else []
    tracker.close()

    assert found == (set() if encrypted else set(NAMES))
    assert sorted(item["reference"] for item in searched) == ["IACHR-DPE-2020", "IACHR-DPP-2017"]
    assert "Defensoría del Pueblo de Ecuador" in str(searched)
    assert snapshots, "the sample is stored with snapshots too"


def test_an_encrypted_store_opens_only_with_its_key(database_url: str) -> None:
    key, other = new_key(), new_key()
    ids = seeded(database_url, KeyRing(key))

    with pytest.raises(KeyRefused, match="is encrypted: set TRACKER_CIPHER_KEY to its key"):
        Tracker.connect(database_url, keys=PLAIN)
    with pytest.raises(KeyRefused, match="TRACKER_CIPHER_KEY is not the key the store at"):
        Tracker.connect(database_url, keys=KeyRing(other))
    with pytest.raises(KeyRefused, match="encrypted with TRACKER_CIPHER_KEY_OLD: `tracker keys"):
        Tracker.connect(database_url, keys=KeyRing(other, key))
    assert len(histories(database_url, KeyRing(key), ids)) == 5


def test_a_plain_store_refuses_a_key_until_it_is_encrypted(database_url: str) -> None:
    seeded(database_url, PLAIN)

    with pytest.raises(KeyRefused, match="is not encrypted: unset TRACKER_CIPHER_KEY, or"):
        Tracker.connect(database_url, keys=KeyRing(new_key()))


def test_a_store_written_before_encryption_existed_counts_as_plain(database_url: str) -> None:
    ids = seeded(database_url, PLAIN)
    database = Database(database_url)
    with connected(database) as connection, connection.transaction() as tx:
        tx.execute(f"DROP TABLE {TABLE}")

    with pytest.raises(KeyRefused, match="is not encrypted"):
        Tracker.connect(database_url, keys=KeyRing(new_key()))
    assert len(histories(database_url, PLAIN, ids)) == 5


def test_a_new_empty_store_takes_the_key_it_is_first_opened_with(database_url: str) -> None:
    Tracker.connect(database_url, keys=KeyRing(new_key())).close()

    with pytest.raises(KeyRefused, match="is encrypted"):
        Tracker.connect(database_url, keys=PLAIN)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACKER_CIPHER_KEY": ""}, "is encrypted: set TRACKER_CIPHER_KEY to its key"),
        ({"TRACKER_CIPHER_KEY": new_key().encoded}, "TRACKER_CIPHER_KEY is not the key"),
        ({"TRACKER_CIPHER_KEY": "c2hvcnQ="}, "TRACKER_CIPHER_KEY must be a base64 key of 32"),
        ({"TRACKER_CIPHER_KEY": "", "TRACKER_CIPHER_KEY_OLD": new_key().encoded}, "_OLD is only"),
    ],
    ids=["missing", "wrong", "malformed", "old-alone"],
)
@pytest.mark.parametrize(
    "command", [["demo"], ["export"], ["serve"], ["reminders", "sweep"], ["keys", "status"]]
)
def test_the_command_line_refuses_in_one_line(
    sqlite_url: str, env: dict[str, str], message: str, command: list[str]
) -> None:
    seeded(sqlite_url, KeyRing(new_key()))

    result = runner.invoke(app, command, env={"TRACKER_DATABASE_URL": sqlite_url, **env})

    assert result.exit_code == 1
    assert message in result.stderr
    said = [line for line in result.stderr.splitlines() if not line.startswith("Store: ")]
    assert len(said) == 1
    assert "Traceback" not in result.output


def test_generated_keys_are_new_each_time_and_open_the_store_they_wrote(sqlite_url: str) -> None:
    first, second = (runner.invoke(app, ["keys", "generate"]).stdout.strip() for _ in range(2))
    env = {"TRACKER_DATABASE_URL": sqlite_url, "TRACKER_CIPHER_KEY": first}

    demo = runner.invoke(app, ["demo"], env=env)
    status = runner.invoke(app, ["keys", "status"], env=env)

    assert first != second
    assert Key.parse(first).secret != Key.parse(second).secret
    assert demo.exit_code == 0, demo.output
    assert "is encrypted, and the keys given open it" in status.stdout
    assert readable_names(raw_store(sqlite_url)) == set()
