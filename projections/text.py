"""Folding text for matching: case and accents never decide whether a search finds.

Search documents and queries are folded here, in Python, on both stores, so
"Defensoria" finds "Defensoría" with no database extension to install, and an
index never keeps a text as it was written (on SQLite, FTS5's `unicode61`
tokenizer with `remove_diacritics 2` folds them again, to the same words;
PostgreSQL indexes them with the `simple` configuration). Party names are
folded here on both stores.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


class _WithoutMarks(dict[int, int | None]):
    """A `str.translate` table that deletes combining marks, filled in as characters appear."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks()


def fold(text: str) -> str:
    """Lower case, accents removed, compatibility forms unified ("Ñandú" -> "nandu")."""
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_WITHOUT_MARKS)


@lru_cache(maxsize=4096)
def fold_name(name: str) -> str:
    """A party name folded, trimmed; names repeat across agreements, so they are cached."""
    return fold(name.strip())


def words(text: str) -> list[str]:
    """The words of a text: runs of letters and digits, split at everything else."""
    return _WORD.findall(text)
