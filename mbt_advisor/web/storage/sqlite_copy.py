"""Copying a SQLite database file page by page through SQLite's online backup API (safe while a server
runs): used by ``db backup`` and ``db restore`` (backup.py) and by ``db move`` for a source it must not write
(move.py). May import: nothing of the web.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another file (readable by its owner only), page by page, through the
    online backup API; the source is opened read-only. ``target`` is replaced by a rename, so it must be a
    regular file or not exist (:func:`backup` checks)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # a copy of the profiles: owner only
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
        os.replace(tmp, target)
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
