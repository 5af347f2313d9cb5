"""How a store is named to people: never with its password."""

from __future__ import annotations

import pytest

from tracker.store import Database, StoreMissing, UnsupportedDatabaseURL

SHOWN = {
    "sqlite:///var/tracker.sqlite": "sqlite:///var/tracker.sqlite",
    "sqlite:////srv/tracker.sqlite": "sqlite:////srv/tracker.sqlite",
    "postgresql://tracker:s3cret@db:5432/tracker": "postgresql://tracker:***@db:5432/tracker",
    "postgresql://tracker:p%40ss@db/tracker?schema=x": "postgresql://tracker:***@db/tracker?schema=x",
    "postgresql://tracker@db/t?password=s3cret&schema=x": "postgresql://tracker@db/t?password=***&schema=x",
    "postgresql://db/tracker": "postgresql://db/tracker",
}


@pytest.mark.parametrize("url", SHOWN)
def test_a_password_is_never_shown(url: str) -> None:
    assert Database(url).redacted == SHOWN[url]


def test_another_kind_of_database_is_refused_without_its_password() -> None:
    with pytest.raises(UnsupportedDatabaseURL) as refused:
        Database("mysql://tracker:s3cret@db/tracker").store_env()

    assert "s3cret" not in str(refused.value)
    assert "mysql://tracker:***@db/tracker" in str(refused.value)


def test_a_missing_sqlite_store_is_named_by_its_full_path() -> None:
    with pytest.raises(StoreMissing) as refused:
        Database("sqlite:////nowhere/tracker.sqlite").require_existing()

    assert str(refused.value).startswith("there is no store at /nowhere/tracker.sqlite: ")
    Database("postgresql://db/tracker").require_existing()  # databases are an admin's to make
