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


def test_public_functions_stay_functions_after_they_are_used(tmp_path) -> None:
    # A submodule named like a public function (a mbt_advisor/explain.py beside mbt_advisor.explain) is bound onto
    # the package when it is first imported, replacing the function: the second call would hit a module.
    code = (
        "import inspect, mbt_advisor as m\n"
        "p = m.example_path('riverside')\n"
        "for _ in range(2):\n"
        "    m.evaluate(p); m.explain(p); m.what_if(p); m.compare(p, p); m.load_profile(p)\n"
        "print(*sorted(n for n in m.__all__ if n.islower() and not n.startswith('_') and not inspect.isfunction(getattr(m, n))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.split() == [], f"replaced by a submodule after use: {out.stdout.split()}"
