"""One folding of text for matching, done here in Python for both stores.

A search finds the same agreements on SQLite and PostgreSQL because neither
database folds anything: the documents are folded and split into words here,
and stored as those words (an FTS5 table with the `ascii` tokenizer on
SQLite, which only splits at spaces what is already folded; a `tsvector`
made with `array_to_tsvector` on PostgreSQL, which takes the words as they
are). Queries are folded by the same function. Party names and reference
uniqueness use the same folding.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
MAX_WORD = 100
"""Longer words are cut (documents and queries alike): PostgreSQL refuses lexemes over 2 KiB."""

_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "ħ": "h",
    }
)
"""Letters with no decomposition that a person types without their stroke or ligature."""

_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\u2e3a\u2e3b]")
_SPACES = re.compile(r"\s+")


class _Dropped(dict[int, int | None]):
    """A `str.translate` table that deletes combining marks and invisible format characters.

    Filled in as characters appear: accents (after decomposition), soft
    hyphens, zero-width spaces and joiners, direction marks.
    """

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        dropped = unicodedata.combining(char) or unicodedata.category(char) == "Cf"
        kept = None if dropped else code
        self[code] = kept
        return kept


_DROPPED = _Dropped()


def fold(text: str) -> str:
    """Compatibility forms unified, case folded, marks and invisible characters removed.

    "Ñandú" -> "nandu", "Straße" -> "strasse", "ﬁnance" -> "finance",
    fullwidth "ABC" -> "abc", "A" + combining ring -> "a".
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    bare = unicodedata.normalize("NFKD", folded).translate(_DROPPED).translate(_LETTERS)
    return unicodedata.normalize("NFC", bare)


def words(text: str) -> list[str]:
    """The folded words of a text: runs of letters and digits, split at everything else."""
    return [word[:MAX_WORD] for word in _WORD.findall(fold(text))]


MAX_DOCUMENT = 400_000
"""Characters of a search document: its first distinct words, up to well below PostgreSQL's
1 MB limit for a `tsvector`, so valid text can never stop an agreement being indexed."""


def distinct_words(texts: list[str]) -> str:
    """The distinct folded words of some texts, joined by single spaces: a search document.

    Texts come most telling first (title, reference, parties...), so a document cut at
    `MAX_DOCUMENT` loses only the tail of the longest notes.
    """
    kept: dict[str, None] = {}
    size = 0
    for text in texts:
        for word in words(text):
            if word not in kept:
                size += len(word) + 1
                if size > MAX_DOCUMENT:
                    return " ".join(kept)
                kept[word] = None
    return " ".join(kept)


@lru_cache(maxsize=4096)
def party_words(name: str) -> str:
    """A party's words, each preceded by a space (names repeat across agreements: cached)."""
    return "".join(f" {word}" for word in dict.fromkeys(words(name)))


def sort_key(text: str) -> str:
    """Folded, with spaces collapsed: the order people expect ("Ética" among the "e")."""
    return _SPACES.sub(" ", fold(text)).strip()


def canonical_reference(reference: str) -> str:
    """The form in which two references are the same reference.

    Folded as text is for search, every dash variant written as "-", and
    spaces collapsed: "ABC-1" written with a non-breaking hyphen, an en dash,
    in fullwidth letters, or with a soft hyphen inside, and "abc-1" are one
    reference.
    """
    return _DASHES.sub("-", sort_key(reference))


def next_prefix(prefix: str) -> str:
    """The least string after every string that starts with `prefix` (for a range scan)."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    return prefix[:-1] + chr(last)
