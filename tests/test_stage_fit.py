"""Advice that fits the unit's stage (issue 27, item 7): a unit that has started is never told what to do
"before the start", a unit that has not started is, and a unit whose stage is unknown reads both, each
introduced, so that no advice is silently dropped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor import Advisor, KnowledgeError
from mbt_advisor.common.prose import STAGE_INTRO, stage_text

# words that only fit a unit that has not started, and words that only fit one that has
BEFORE_START = (
    "before the start",
    "before starting",
    "before the first group",
    "before the groups start",
    "do not start the first",
    "first years",
    "first two years",
)
SINCE_START = ("since it started", "in the last three months", "the last supervision session", "last serious incident")
STARTED = ("starting", "running", "reorganizing")

# answers that fire every rule with advice that depends on the stage
FIRES_STAGED_ADVICE: dict[str, dict[str, Any]] = {
    "facts": {
        "decision_process": "top_down",
        "referral_pathways": "partial",
        "management_support": "partial",
        "team_conflict": "high",
        "staff_recruitment": "assigned",
        "crisis_protocol": False,
        "crisis_driven_start": True,
        "programme_novelty": "new_adaptation",
        "training_budget": "insufficient",
        "on_site_supervision": False,
    },
    "ratings": {"management_continuity": 2, "training_supervision": 2},
}
NAMED_IN_THE_ISSUE = ("support.referral-pathways", "culture.top-down-decision", "leadership.management-continuity")


def _unit(phase: str | None, setting: str = "day_hospital") -> dict[str, Any]:
    org = {"name": "Oak", "setting": setting, **({"phase": phase} if phase else {})}
    return {"organization": org, **FIRES_STAGED_ADVICE}


def _said(advisor: Advisor, profile: dict[str, Any]) -> dict[str, list[str]]:
    """What a person reads of each recommendation: its title, actions and questions."""
    return {r.rule_id: [r.title, *r.actions, *r.questions] for r in advisor.evaluate(profile).recommendations}


def _with(words: tuple[str, ...], said: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(rule, text) for rule, texts in said.items() for text in texts if any(w in text.lower() for w in words)]


@pytest.mark.parametrize("phase", STARTED)
def test_a_unit_that_has_started_is_never_told_to_act_before_the_start(advisor: Advisor, phase: str) -> None:
    said = _said(advisor, _unit(phase))
    assert set(NAMED_IN_THE_ISSUE) <= set(said)
    assert _with(BEFORE_START, said) == []
    school = _said(
        advisor,
        {
            "organization": {"name": "Elm", "setting": "school", "phase": phase},
            "facts": {"principal_support": "demanding"},
        },
    )
    assert school and _with(BEFORE_START, school) == []


def test_a_unit_that_has_not_started_is_told_what_to_do_before_the_start(advisor: Advisor) -> None:
    said = _said(advisor, _unit("planning"))
    assert set(NAMED_IN_THE_ISSUE) <= set(said)
    assert any("before the start" in text for text in said["culture.top-down-decision"])
    assert any("first month" in text for text in said["support.referral-pathways"])
    assert _with(SINCE_START, said) == []


def test_a_unit_of_unknown_stage_reads_the_advice_for_both_stages(advisor: Advisor) -> None:
    said = _said(advisor, _unit(None))
    both = [text for text in said["culture.top-down-decision"] if STAGE_INTRO["before_start"] in text]
    assert len(both) == 1 and "before the start" in both[0]
    assert STAGE_INTRO["started"] in both[0] and "act on what is raised" in both[0]
    running, planning = _said(advisor, _unit("running")), _said(advisor, _unit("planning"))
    assert len(said["support.referral-pathways"]) == len(running["support.referral-pathways"])  # nothing dropped
    assert all(
        p in u and r in u
        for u, p, r in zip(
            said["support.referral-pathways"],
            planning["support.referral-pathways"],
            running["support.referral-pathways"],
            strict=True,
        )
    )


def test_every_rule_says_at_each_stage_only_what_fits_it(advisor: Advisor) -> None:
    """The whole rule base, fired or not: titles, actions and questions as each stage reads them."""
    for rule in advisor.kb.rules:
        staged = [x if isinstance(x, str) else x.model_dump() for x in (*rule.actions, *rule.questions)]
        started = {rule.id: [rule.title, *(stage_text(x, "started") for x in staged)]}
        not_started = {rule.id: [rule.title, *(stage_text(x, "before_start") for x in staged)]}
        assert _with(BEFORE_START, started) == [], "a unit that has started would read this"
        assert _with(SINCE_START, not_started) == [], "a unit that has not started would read this"


@pytest.mark.parametrize("rule", ["culture.top-down-decision", "support.referral-pathways"])
def test_advice_for_a_running_programme_the_sources_do_not_give_is_labelled_ours(advisor: Advisor, rule: str) -> None:
    """The sources speak of running programmes (E's groups still running, G's burden, the reorganized cohort) but
    not of what helps one: the running-unit advice says it is our reasoning, and does not deny that they speak."""
    running = _said(advisor, _unit("running"))
    assert any("(our reasoning: the sources do not say what" in text for text in running[rule])


def test_no_action_gives_a_period_the_sources_never_give(advisor: Advisor) -> None:
    """No source names a duration for backing or for an outside supervisor ("for the next two years" was ours)."""
    for rule in advisor.kb.rules:
        for action in rule.actions:
            texts = (
                [action]
                if isinstance(action, str)
                else [stage_text(action.model_dump(), s) for s in ("before_start", "started")]
            )
            assert not [text for text in texts if "two years" in text], rule.id


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('\n        started: "Track referrals, intakes and waiting list every month."', ""), "started: is required"),
        (
            ('      - before_start: "Track referrals', '      - befor_start: "Track referrals'),
            "Did you mean 'before_start'",
        ),
    ],
)
def test_a_staged_text_with_a_misspelt_or_missing_stage_is_a_knowledge_error(
    rules_copy: Path, change: tuple[str, str], said: str
) -> None:
    path = rules_copy / "support.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(said)) as caught:
        Advisor(rules_dir=rules_copy)
    assert "support.yaml" in str(caught.value)
