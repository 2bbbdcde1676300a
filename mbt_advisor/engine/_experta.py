"""Import experta without leaving marks on the importer's interpreter.

experta 1.9.4 (the last release) pins frozendict 1.2, which subclasses ``collections.Mapping``: that alias
was removed in Python 3.10. Importing experta also calls ``logging.basicConfig()``, which would give the
*importer's* root logger a handler. We alias ``collections.Mapping`` only for the duration of the import
and restore the root logger exactly as we found it, so no other code sees either change.

experta's watcher loggers (``experta.watchers.RULES`` and others) log every fired rule and matched fact at
INFO level, that is, profile content, to whatever handlers the application configured. They are disabled
unless ``MBT_ADVISOR_DEBUG=1`` is set: profiles describe real teams.
"""

from __future__ import annotations

import collections
import collections.abc
import importlib
import logging
import os
import threading
from types import ModuleType

_lock = threading.Lock()


def load_experta() -> ModuleType:
    with _lock:
        root = logging.getLogger()
        handlers_before = list(root.handlers)
        level_before = root.level
        added_alias = not hasattr(collections, "Mapping")
        if added_alias:
            collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
        try:
            import experta
            import experta.engine  # noqa: F401  (runs basicConfig inside the guarded window)
            import experta.watchers  # noqa: F401

            if os.environ.get("MBT_ADVISOR_DEBUG", "") not in {"1", "true"}:
                for name in experta.watchers.ALL:
                    logging.getLogger(f"experta.watchers.{name}").disabled = True
        finally:
            if added_alias:
                del collections.Mapping  # type: ignore[attr-defined]
            for handler in list(root.handlers):
                if handler not in handlers_before:
                    root.removeHandler(handler)
            root.setLevel(level_before)
        return importlib.import_module("experta")  # the module just imported, typed as a module
