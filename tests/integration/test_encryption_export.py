"""`tracker export --encrypt`: a backup only its passphrase reads, by the tracker or without it."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from tests.integration.encryption_support import NAMES, readable_names
from tracker.cli import app
from tracker.sealed_export import MAGIC, ExportRefused, opened, sealing

runner = CliRunner()
SECRET = "a long and memorable passphrase"
README = Path(__file__).parents[2] / "README.md"


def run(database_url: str, *args: str, secret: str = SECRET) -> Result:
    env = {"TRACKER_DATABASE_URL": database_url, "TRACKER_EXPORT_PASSPHRASE": secret}
    return runner.invoke(app, list(args), env=env)


def test_an_encrypted_export_hides_the_names_and_reads_back_three_ways(
    database_url: str, tmp_path: Path
) -> None:
    sealed = tmp_path / "events.tracker-export"
    run(database_url, "demo")
    plain = run(database_url, "export")
    written = run(database_url, "export", "--encrypt", "--output", str(sealed))
    decrypted = run(database_url, "keys", "decrypt-export", str(sealed))
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    imported = run(copy_url, "import", str(sealed))
    copied = run(copy_url, "export")
    snippet = standalone_reader(tmp_path)
    standalone = subprocess.run(
        [sys.executable, str(snippet), str(sealed), SECRET], capture_output=True, check=True
    )

    raw = sealed.read_bytes()
    count = len(plain.stdout.splitlines())
    assert written.exit_code == 0 and f"exported {count} events" in written.stderr
    assert raw.startswith(MAGIC) and readable_names(raw) == set()
    assert readable_names(plain.stdout.encode()) == set(NAMES)
    assert decrypted.exit_code == 0 and decrypted.stdout == plain.stdout
    assert f"imported {count} events (5 new agreements, " in imported.stdout
    assert copied.stdout == plain.stdout
    assert standalone.stdout.decode("utf-8") == plain.stdout


def standalone_reader(tmp_path: Path) -> Path:
    """The README's program that reads an encrypted export without the tracker."""
    section = README.read_text(encoding="utf-8").split("## Encryption at rest", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "the README shows how to read an encrypted export"
    path = tmp_path / "read_export.py"
    path.write_text(code.group(1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "secret", "message"),
    [
        (["export", "--encrypt"], "", "TRACKER_EXPORT_PASSPHRASE must be set to a passphrase"),
        (["keys", "decrypt-export", "{sealed}"], "not the passphrase", "does not open this export"),
        (["import", "{sealed}"], "not the passphrase", "does not open this export"),
        (["keys", "decrypt-export", "{cut}"], SECRET, "is cut short"),
        (["import", "{cut}"], SECRET, "is cut short"),
        (["keys", "decrypt-export", "{plain}"], SECRET, "is not an encrypted export"),
    ],
    ids=["no-passphrase", "wrong-decrypt", "wrong-import", "cut-decrypt", "cut-import", "plain"],
)
def test_an_export_that_cannot_be_sealed_or_opened_is_refused_in_one_line(
    sqlite_url: str, tmp_path: Path, args: list[str], secret: str, message: str
) -> None:
    files = {name: tmp_path / name for name in ("sealed", "cut", "plain")}
    run(sqlite_url, "demo")
    run(sqlite_url, "export", "--encrypt", "--output", str(files["sealed"]))
    run(sqlite_url, "export", "--output", str(files["plain"]))
    files["cut"].write_bytes(files["sealed"].read_bytes()[:-10])
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"

    store = sqlite_url if args[0] == "export" else copy_url  # an export reads an existing store
    result = run(store, *(arg.format(**files) for arg in args), secret=secret)
    after = run(copy_url, "export")

    assert result.exit_code == 1
    assert message in result.stderr
    said = [line for line in result.stderr.splitlines() if not line.startswith("Store: ")]
    assert len(said) == 1
    assert after.stdout == ""


texts = st.text(st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=10, deadline=None)
@given(text=texts, frame=st.integers(1, 64), damage=st.data())
def test_any_text_reads_back_exactly_and_any_damage_is_refused(
    text: str, frame: int, damage: st.DataObject
) -> None:
    out = io.BytesIO()
    with sealing(out, SECRET, frame_bytes=frame) as sink:
        sink.write(text)
    sealed = out.getvalue()
    cut = damage.draw(st.integers(len(MAGIC), len(sealed) - 1), label="cut")
    flip = damage.draw(st.integers(len(MAGIC), len(sealed) - 1), label="flip")
    flipped = bytearray(sealed)
    flipped[flip] ^= 0x01

    assert read(sealed) == text.encode("utf-8")
    for broken in (sealed[:cut], bytes(flipped)):
        with pytest.raises(ExportRefused):
            read(broken)


def read(sealed: bytes) -> bytes:
    source = io.BytesIO(sealed)
    assert source.read(len(MAGIC)) == MAGIC
    return opened(source, SECRET).read()
