"""Writing the compiled artifact: the bundled files loaded and checked in full, the evaluation's tables
(with each documented case's answers and concerns, which need the engine), every knowledge file as its
checked models dump it, and the reorganization chart drawn with matplotlib (used at run time only with the
same matplotlib release and drawing code, ``rendering/chart.py``). Written deterministically: regenerating
from the same files gives the same bytes.

Regenerate after changing rules/ or knowledge/ (or the code that derives the tables or draws the chart)::

    python -m mbt_advisor.compiled --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.assessment.rule_tables import tables_data
from mbt_advisor.rendering.chart import compiled_charts
from mbt_advisor.rulebase.artifact import (
    FORMAT,
    PARTS,
    REGENERATE,
    artifact_path,
    default_knowledge_dir,
    default_rules_dir,
)
from mbt_advisor.rulebase.knowledge_base import KnowledgeBase, load_knowledge_files


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True)


def knowledge_data(kb: KnowledgeBase) -> dict[str, Any]:
    """Every part of a checked knowledge base as JSON data (rule origins by file name)."""
    return {
        "rules": [_dump(rule) for rule in kb.rules],
        "rule_origin": {rid: [Path(source).name, line] for rid, (source, line) in kb.rule_origin.items()},
        "sources": [_dump(s) for s in kb.sources.values()],
        "cases": [_dump(c) for c in kb.cases.values()],
        "case_profiles": {cid: _dump(p) for cid, p in kb.case_profiles.items()},
        "determinants": _dump(kb.determinants),
        "rating_items": _dump(kb.rating_items),
        "lessons": _dump(kb.lessons),
        "questions": [_dump(q) for q in kb.questions.values()],
        "directions": _dump(kb.directions.spec),
        "readiness": _dump(kb.readiness),
        "coverage_exceptions": kb.coverage_exceptions,
        "strengths": [_dump(x) for x in kb.strengths],
        "decisive_barriers": _dump(kb.decisive_barriers),
        "evidence": _dump(kb.evidence),
    }


def build() -> dict[str, dict[str, Any]]:
    """The artifact's data, part by part, from the bundled files loaded and checked in full."""
    kb = load_knowledge_files(default_rules_dir(), default_knowledge_dir())
    advisor = Advisor.from_knowledge_base(kb)
    head = {"format": FORMAT, "digest": kb.digest}
    return {
        "tables": {**head, "tables": tables_data(kb, advisor.case_views())},
        "knowledge": {**head, "knowledge": knowledge_data(kb), "charts": compiled_charts(kb)},
    }


def render(data: dict[str, Any]) -> str:
    """One part's text: one JSON value, one item per line (readable diffs), UTF-8, a final newline."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=0, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``--write`` regenerates the artifact; ``--check`` exits 1 when it is stale."""
    args = sys.argv[1:] if argv is None else argv
    if args not in (["--write"], ["--check"]):
        sys.stderr.write(f"usage: {REGENERATE} | python -m mbt_advisor.compiled --check\n")
        return 2
    built = build()
    stale = []
    for part in PARTS:
        path, text = artifact_path(part), render(built[part])
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.name)
        if args == ["--write"]:
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path}\n")
    if args == ["--check"] and stale:
        sys.stderr.write(f"{', '.join(stale)} stale: run `{REGENERATE}`\n")
        return 1
    if args == ["--write"] and not stale:
        sys.stdout.write("the compiled rule base is up to date\n")
    return 0
