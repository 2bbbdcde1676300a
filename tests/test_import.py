"""Importing mbt_advisor must leave the importer's interpreter as it was."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import collections, logging, sys, io
buf = io.StringIO(); sys.stdout = buf
import mbt_advisor
a = mbt_advisor.evaluate({"organization": {"name": "x"}})   # forces experta and the rule base to load
sys.stdout = sys.__stdout__
print(repr(buf.getvalue()))
print(len(logging.getLogger().handlers))
print(hasattr(collections, "Mapping"))
"""


def test_import_and_first_evaluation_print_nothing_and_touch_no_global_state(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=tmp_path)
    printed, handlers, mapping_alias = out.stdout.splitlines()
    assert printed == "''"
    assert handlers == "0", "experta's logging.basicConfig() leaked a root handler"
    assert mapping_alias == "False", "the collections.Mapping alias must not outlive experta's import"
    assert out.stderr == ""


def test_plain_import_does_not_load_the_engine(tmp_path) -> None:
    code = "import sys, mbt_advisor; print('experta' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.split() == ["False", "False"]
