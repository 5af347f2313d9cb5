"""Moving a whole store to another: `tracker export` and `tracker import`.

An export is a backup: JSON Lines, one stored event per line, every stream
the store holds (agreements, reminders with their acknowledgements,
resolutions and delivery attempts, reference claims, idempotency receipts),
in store order (`lines` defines a line; the README has the table). Importing
it into an empty store and exporting again gives the same file.

Importing checks what the store and the application would (`importing`),
names the line of every problem in one sentence, and writes nothing unless
the whole file is good.
"""

from tracker.transfer.export import exported_lines, write_export
from tracker.transfer.importing import ImportReport, PreparedImport, import_events, prepare_import
from tracker.transfer.lines import NotExportable
from tracker.transfer.reading import ImportRefused, Problem

__all__ = [
    "ImportRefused",
    "ImportReport",
    "NotExportable",
    "PreparedImport",
    "Problem",
    "exported_lines",
    "import_events",
    "prepare_import",
    "write_export",
]
