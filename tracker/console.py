"""What the command line says around each command: which store, and errors as sentences.

Every error is one line on stderr, `error: ...`, with a non-zero exit code:
2 for a command used wrongly (click's usage errors), 1 for everything else.
Known failures (a setting, a store that is missing or unreachable, a file
that cannot be written, a refusal of the tracker) are said as they are; an
unexpected exception is named in one line that says how to see its
traceback: `tracker --debug COMMAND` or `TRACKER_DEBUG=1`.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import eventsourcing.persistence as persistence
import psycopg
import typer
from typer.core import TyperGroup

from tracker.clock import FixedDayClock
from tracker.errors import DomainError
from tracker.settings import Settings, SettingsError, database_url
from tracker.store import Database, StoreMissing, UnsupportedDatabaseURL
from tracker.transfer import NotExportable

log = logging.getLogger("tracker")

DEBUG_FLAG = "--debug"
DEBUG_HINT = f"run it again with TRACKER_DEBUG=1 or 'tracker {DEBUG_FLAG} ...' to see where"
SAID_AS_THEY_ARE = (SettingsError, UnsupportedDatabaseURL, StoreMissing, NotExportable)
UNREACHABLE = (
    psycopg.OperationalError,
    persistence.OperationalError,
    persistence.InterfaceError,
    sqlite3.DatabaseError,
)

F = TypeVar("F", bound=Callable[..., Any])


class SentenceGroup(TyperGroup):
    """The `tracker` command group: whatever goes wrong ends in one line on stderr."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except typer.Abort:
            code = _say("stopped before finishing", 1)
        except Exception as error:
            code = _usage(error) if _is_usage(error) else _unexpected(error, argv)
        if standalone_mode:
            sys.exit(code)
        return code


def sentence(error: BaseException) -> str:
    """What to tell a person about this failure, in one sentence."""
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, SAID_AS_THEY_ARE):
        return str(error)
    if isinstance(error, UNREACHABLE):
        return Database(database_url(os.environ)).unreachable(error)
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot use {error.filename}: {(error.strerror or str(error)).lower()}"
    detail = f": {error}" if str(error) else ""
    return f"unexpected {type(error).__name__}{detail}; {DEBUG_HINT}"


def store_command(*, creates: bool = False) -> Callable[[F], F]:
    """Check and announce the store a command uses, before the command runs.

    The settings must read well and the store must be reachable, so that
    those failures are said alone, in one line. Unless the command `creates`
    a store, a missing SQLite file is refused: only `serve`, `demo` and
    `import` make one, and any other command run from the wrong folder would
    otherwise make an empty `./var` store and report on nothing.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            settings = Settings.from_env()
            database = Database(settings.database_url)
            if not creates:
                database.require_existing()
            database.reach()
            typer.echo(f"Store: {database.describe()}", err=True)
            if isinstance(settings.clock, FixedDayClock):
                log.warning(
                    "TRACKER_TODAY is set: today is %s for this process, not the calendar's",
                    settings.clock.today(),
                )
            return command(*args, **kwargs)

        return cast(F, run)

    return decorate


def _is_usage(error: Exception) -> bool:
    """A command used wrongly: click's errors (vendored by typer) carry their exit code."""
    return isinstance(getattr(error, "exit_code", None), int) and hasattr(error, "format_message")


def _usage(error: Any) -> int:
    message = str(error.format_message()).rstrip(".")
    context = getattr(error, "ctx", None)
    if context is not None:
        message += f" (see '{context.command_path} --help')"
    return _say(message, int(error.exit_code))


def _unexpected(error: Exception, argv: list[str]) -> int:
    if DEBUG_FLAG in argv or _flag_set(os.environ.get("TRACKER_DEBUG", "")):
        traceback.print_exception(error, file=sys.stderr)
    return _say(sentence(error), 1)


def _say(message: str, code: int) -> int:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return code


def _flag_set(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "y"}
