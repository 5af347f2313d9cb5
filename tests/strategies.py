"""Hypothesis strategies for text the catalog accepts (see `events.base`).

Long text may hold tab and newline; a name is one line. Neither holds other
control characters or lone surrogates.
"""

from __future__ import annotations

from hypothesis import strategies as st

line_characters = st.characters(exclude_categories=("Cc", "Cs"))
text_characters = st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n")

texts = st.text(text_characters, max_size=40)
names = st.text(line_characters, min_size=1, max_size=30).map(str.strip).filter(bool)
