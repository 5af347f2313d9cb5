"""`tracker keys`: new keys, encrypting a plain store, changing its key, reading encrypted exports.

Encrypting and changing the key rewrite every stored body, then rebuild the
read models with the new key, then compact the files so that no freed page
keeps an old body. Stop every other tracker process first. Each command can
stop part-way (`--batches`, or a crash) and is run again, with the same keys,
to go on.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from tracker.errors import DomainError
from tracker.keys import CURRENT, OLD, Key, KeyRefused, KeyRing, generate_key
from tracker.rotation import BATCH_SIZE, compact, finish, reseal
from tracker.sealed_export import MAGIC, ExportRefused, opened, passphrase
from tracker.settings import Settings
from tracker.store import Database
from tracker.store_keys import Marker, admit, event_tables, where

keys_app = typer.Typer(help="Encryption at rest: keys, encrypting a store, changing its key.")

BatchSize = Annotated[int, typer.Option(min=1, help="Stored bodies rewritten per transaction.")]
Batches = Annotated[
    int | None,
    typer.Option(min=1, help="Stop after this many batches; run the command again to go on."),
]


def _refused(error: DomainError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(1)


@keys_app.command("generate")
def generate() -> None:
    """Print a new random key for TRACKER_CIPHER_KEY (keep it safe: without it nothing reads)."""
    typer.echo(generate_key())


def check_keys(database_url: str) -> Marker:
    """The store's marker if the configured keys open it; else the refusal, and exit 1."""
    database = Database(database_url)
    try:
        database.ensure_schema()
        return admit(database, KeyRing.from_env())
    except DomainError as error:
        raise _refused(error) from None


@keys_app.command("status")
def status() -> None:
    """Say whether the store is encrypted, and whether TRACKER_CIPHER_KEY opens it."""
    database = Database(Settings.from_env().database_url)
    marker = check_keys(database.url)
    state = "encrypted" if marker.encrypted else "not encrypted"
    if marker.rotating:  # only a change between two keys admits a start, with both keys
        state = "changing its key"
    typer.echo(f"the store at {where(database)} is {state}, and the keys given open it")


@keys_app.command("migrate")
def migrate(batch_size: BatchSize = BATCH_SIZE, batches: Batches = None) -> None:
    """Encrypt a plain store with TRACKER_CIPHER_KEY."""
    try:
        keys = KeyRing.from_env()
        if keys.current is None:
            raise KeyRefused(f"set {CURRENT} to the new key (`tracker keys generate` prints one)")
        if keys.old is not None:
            raise KeyRefused(f"{OLD} is for `tracker keys rotate`; a plain store has no old key")
        _change(None, keys.current, batch_size, batches)
    except DomainError as error:
        raise _refused(error) from None


@keys_app.command("rotate")
def rotate(batch_size: BatchSize = BATCH_SIZE, batches: Batches = None) -> None:
    """Re-encrypt the store from TRACKER_CIPHER_KEY_OLD (its key) to TRACKER_CIPHER_KEY (new)."""
    try:
        keys = KeyRing.from_env()
        if keys.current is None or keys.old is None:
            raise KeyRefused(f"set {OLD} to the store's key and {CURRENT} to the new one")
        _change(keys.old, keys.current, batch_size, batches)
    except DomainError as error:
        raise _refused(error) from None


@keys_app.command("decrypt-export")
def decrypt_export(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An encrypted export.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write an encrypted export as plain JSON Lines, with TRACKER_EXPORT_PASSPHRASE."""
    try:
        with file.open("rb") as source:
            if source.read(len(MAGIC)) != MAGIC:
                raise ExportRefused(f"{file} is not an encrypted export")
            plain = opened(source, passphrase())
            if output is None:
                shutil.copyfileobj(plain, sys.stdout.buffer)
            else:
                with output.open("wb") as out:
                    shutil.copyfileobj(plain, out)
    except DomainError as error:
        raise _refused(error) from None


def _change(source: Key | None, target: Key, batch_size: int, batches: int | None) -> None:
    """Re-encrypt, rebuild the read models, record the new key, compact; or stop part-way."""
    from projections.db import views_url
    from projections.service import ReadModels
    from tracker.application import Tracker

    database_url = Settings.from_env().database_url
    database = Database(database_url)
    database.ensure_schema()
    report = reseal(database, source, target, batch_size=batch_size, max_batches=batches)
    if not report.finished:
        typer.echo(
            f"encrypted {report.rewritten} stored bodies with the new key and stopped after "
            f"{report.batches} batch(es); run the same command again to go on"
        )
        return
    # Every body opens with the new key now; the marker still says "rotating" until the
    # read models are rebuilt, so this tracker (new key, old as fallback) is opened directly.
    keys = KeyRing(target, source)
    tracker = Tracker(database.store_env(), keys=keys)
    read_models = ReadModels.connect(database_url, keys=keys)
    try:
        count = read_models.rebuild(tracker)
    finally:
        read_models.close()
        tracker.close()
    finish(database, target)
    compact(database, event_tables(database.is_postgres))
    compact(Database(views_url(database_url)), ("view_agreements",))
    typer.echo(
        f"the store at {where(database)} is encrypted with {CURRENT}: {report.rewritten} "
        f"stored bodies encrypted with it, read models rebuilt from {count} events"
    )
