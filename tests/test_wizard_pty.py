"""A founder's whole session in a real terminal: `mbt-advisor wizard` on a pseudo-terminal, driven with arrow
keys by reading the screen (pexpect + pyte, the driver of docs/capture_wizard.py). Help, don't know, a refused
skip, back and a resume happen on every kind of question; the saved profile records exactly what was answered.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pexpect")
pytest.importorskip("pyte")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32" or shutil.which("mbt-advisor") is None, reason="needs a pty"),
]


def driver():
    path = Path(__file__).resolve().parent.parent / "docs" / "capture_wizard.py"
    spec = importlib.util.spec_from_file_location("capture_wizard", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_founder_session_in_a_real_terminal(tmp_path: Path) -> None:
    capture = driver()
    statuses, frames = capture.session(tmp_path)
    assert statuses == [130, 0]  # Ctrl-C half-way (progress kept), then --resume to the end
    screens = "\n".join(screen for _, screen in frames)
    assert "Why this matters:" in screens and "An answer is needed here." in screens
    assert "Resuming: " in screens and "Not accepted: give a whole number" in screens
    assert not re.search(r"\b[a-z]+\.[a-z]+-[a-z-]+\b", screens)  # no rule ids on screen
    saved = yaml.safe_load((tmp_path / "lakeside.yaml").read_text())
    assert saved == {
        "profile_version": 2,
        "organization": {
            "name": "Lakeside MBT day programme",
            "setting": "day_hospital",
            "population": "adults",
            "phase": "planning",
            "assessed_on": dt.date(2026, 11, 20),
        },
        "facts": {
            "decision_process": "participatory",
            "management_support": "partial",
            "mission_fit": True,
            "reorganization": False,
            "management_team_split": False,
            "implementation_plan": "partial",
            "implementation_pace": "gradual",
            "team_size": 14,
            "team_origin": "converting",
            "team_splits": ["disciplines"],
            "mbt_trained_fraction": 0.6,
        },
    }
