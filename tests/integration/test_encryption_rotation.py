"""Changing the key, and encrypting a plain store: stopped part-way, run again, nothing lost."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from events.records import NoteAdded
from tests.integration.encryption_support import (
    histories,
    listed,
    new_key,
    opening_with,
    raw_store,
    readable_names,
    seeded,
    stored_bodies,
)
from tracker.application import Tracker
from tracker.cli import app
from tracker.keys import CURRENT, OLD, PLAIN, Key, KeyRefused, KeyRing
from tracker.rotation import reseal
from tracker.store import Database
from tracker.store_keys import connected, event_tables

runner = CliRunner()


def keys_command(database_url: str, command: str, new: Key, old: Key | None, *args: str) -> Result:
    env = {"TRACKER_DATABASE_URL": database_url, CURRENT: new.encoded, OLD: ""}
    if old is not None:
        env[OLD] = old.encoded
    return runner.invoke(app, ["keys", command, *args], env=env)


def test_a_rotation_stopped_part_way_reads_with_both_keys_and_ends_when_run_again(
    database_url: str,
) -> None:
    old, new = new_key(), new_key()
    ids = seeded(database_url, KeyRing(old))
    before = histories(database_url, KeyRing(old), ids)
    listed_before = listed(database_url, KeyRing(old))
    total = len(stored_bodies(database_url))

    stopped = reseal(Database(database_url), old, new, batch_size=4, max_batches=2)
    halfway = stored_bodies(database_url)
    during = histories(database_url, KeyRing(new, old), ids)
    writer = Tracker.connect(database_url, keys=KeyRing(new, old))
    writer.record(ids[0], NoteAdded(text="Recorded while the key changes."), "officer")
    writer.close()
    for alone in (KeyRing(new), KeyRing(old)):
        with pytest.raises(KeyRefused, match=r"a change of key of the store at .* is unfinished"):
            Tracker.connect(database_url, keys=alone)
    resumed = keys_command(database_url, "rotate", new, old, "--batch-size", "4")
    after = stored_bodies(database_url)

    assert (stopped.finished, stopped.batches, stopped.rewritten) == (False, 2, 8)
    assert (opening_with(new, halfway), opening_with(old, halfway)) == (8, total - 8)
    assert during == before
    assert resumed.exit_code == 0, resumed.output
    assert f"{total - 8} stored bodies encrypted with it" in resumed.stdout
    assert (opening_with(new, after), opening_with(old, after)) == (len(after), 0)
    assert len(after) >= total + 1
    now = histories(database_url, KeyRing(new), ids)
    assert now[1:] == before[1:]
    assert [r.body for r in now[0][0][:-1]] == [r.body for r in before[0][0]]
    assert now[0][0][-1].body.text == "Recorded while the key changes."
    listed_after = listed(database_url, KeyRing(new))
    assert [item["id"] for item in listed_after] == [item["id"] for item in listed_before]
    noted = str(ids[0])
    assert [i for i in listed_after if i["id"] != noted] == [
        i for i in listed_before if i["id"] != noted
    ]
    with pytest.raises(KeyRefused, match="TRACKER_CIPHER_KEY is not the key"):
        Tracker.connect(database_url, keys=KeyRing(old))


def test_a_plain_store_is_encrypted_in_place_and_answers_as_before(database_url: str) -> None:
    key = new_key()
    ids = seeded(database_url, PLAIN)
    before = histories(database_url, PLAIN, ids)
    listed_before = listed(database_url, PLAIN)
    searched_before = listed(database_url, PLAIN, q="ayotzinapa")

    stopped = keys_command(database_url, "migrate", key, None, "--batch-size=5", "--batches=1")
    for keys in (PLAIN, KeyRing(key)):
        with pytest.raises(KeyRefused, match=r"the encryption of the store at .* is unfinished"):
            Tracker.connect(database_url, keys=keys)
    finished = keys_command(database_url, "migrate", key, None)
    again = keys_command(database_url, "migrate", key, None)

    assert stopped.exit_code == 0, stopped.output
    assert "encrypted 5 stored bodies with the new key and stopped after 1 batch" in stopped.stdout
    assert finished.exit_code == 0, finished.output
    assert "is encrypted with TRACKER_CIPHER_KEY" in finished.stdout
    assert again.exit_code == 0 and "0 stored bodies encrypted" in again.stdout
    assert readable_names(raw_store(database_url)) == set()
    assert histories(database_url, KeyRing(key), ids) == before
    assert listed(database_url, KeyRing(key)) == listed_before
    assert listed(database_url, KeyRing(key), q="ayotzinapa") == searched_before
    with pytest.raises(KeyRefused, match="is encrypted: set TRACKER_CIPHER_KEY"):
        Tracker.connect(database_url, keys=PLAIN)


@pytest.mark.parametrize(
    ("encrypted", "command", "old", "message"),
    [
        (False, "rotate", "other", "is not encrypted: encrypt it with `tracker keys migrate`"),
        (True, "migrate", None, "is encrypted already: `tracker keys rotate` changes its key"),
        (True, "rotate", "other", "TRACKER_CIPHER_KEY_OLD is not the key the store at"),
        (True, "rotate", "new", "TRACKER_CIPHER_KEY and TRACKER_CIPHER_KEY_OLD are the same"),
        (True, "rotate", None, "set TRACKER_CIPHER_KEY_OLD to the store's key"),
    ],
    ids=["rotate-plain", "migrate-encrypted", "wrong-old", "same-keys", "no-old"],
)
def test_a_change_of_key_that_does_not_fit_the_store_is_refused_and_changes_nothing(
    sqlite_url: str, encrypted: bool, command: str, old: str | None, message: str
) -> None:
    key, new = new_key(), new_key()
    seeded(sqlite_url, KeyRing(key) if encrypted else PLAIN)
    bodies = stored_bodies(sqlite_url)
    given = {"other": new_key(), "new": new, None: None}[old]

    result = keys_command(sqlite_url, command, new, given)

    assert result.exit_code == 1
    assert message in result.stderr
    assert stored_bodies(sqlite_url) == bodies


def test_a_body_that_neither_key_opens_stops_the_rotation_with_its_batch_undone(
    database_url: str,
) -> None:
    old, new = new_key(), new_key()
    seeded(database_url, KeyRing(old))
    database = Database(database_url)
    table = event_tables(database.is_postgres)[0]
    with connected(database) as connection, connection.transaction() as tx:
        rows = tx.execute(
            f"SELECT originator_id, originator_version FROM {table}"
            " ORDER BY originator_id, originator_version"
        )
        stranger = KeyRing(new_key()).seal(b"{}")  # as if written with some other key
        tx.execute(
            f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (stranger, *rows[5]),
        )
    before = set(stored_bodies(database_url))

    for _ in range(2):
        with pytest.raises(KeyRefused, match=f"version {rows[5][1]} of {rows[5][0]} in {table}"):
            reseal(database, old, new, batch_size=4)
        after = stored_bodies(database_url)

        assert len(set(after) - before) == 4, "the first batch was kept, the second undone"
        assert opening_with(new, after) == 4


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_size=st.integers(1, 12), stops=st.lists(st.integers(1, 4), max_size=4))
def test_a_rotation_stopped_anywhere_any_number_of_times_ends_with_every_body_under_the_new_key(
    batch_size: int, stops: list[int]
) -> None:
    old, new = new_key(), new_key()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'events.sqlite'}"
        ids = seeded(url, KeyRing(old))
        before = histories(url, KeyRing(old), ids)
        total = len(stored_bodies(url))
        database = Database(url)
        rewritten = 0
        for stop in stops:
            report = reseal(database, old, new, batch_size=batch_size, max_batches=stop)
            rewritten += report.rewritten
            bodies = stored_bodies(url)
            assert opening_with(new, bodies) == rewritten
            assert opening_with(old, bodies) == total - rewritten
            assert histories(url, KeyRing(new, old), ids) == before
        last = reseal(database, old, new, batch_size=batch_size)

        assert last.finished and rewritten + last.rewritten == total
        assert opening_with(new, stored_bodies(url)) == total
