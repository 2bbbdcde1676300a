"""Checks of the wizard's own files, before the wizard uses them: a progress file (``--resume``) and an
answers file (``--answers``). Whatever is odd in them is one :class:`ProfileError` naming the file and the
entry, never a traceback later in the questionnaire.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from mbt_advisor.common.errors import ProfileError, did_you_mean, shown
from mbt_advisor.common.yamlio import load_file
from mbt_advisor.profile.model import Organization, all_fields
from mbt_advisor.wizard.answers import check_value  # the profile model's own check of one answer

SECTIONS = ("organization", "ratings", "facts")
PATH_FIELD = "wizard.path"
PATHS = ("founder", "expert")
STATE_KEYS = ("mbt_advisor_wizard", "answers", "skipped", "history")


def question_fields() -> list[str]:
    """Every field the wizard can ask: the organization, ratings and facts, and its own path question."""
    return [*(f"organization.{key}" for key in Organization.model_fields), PATH_FIELD, *all_fields()]


def read_progress(path: Path, fields: Collection[str] | None = None) -> tuple[dict[str, Any], list[str], list[str]]:
    """(answers, skipped, history) of a progress file, each entry checked. Raises :class:`ProfileError`."""
    known = list(fields) if fields is not None else question_fields()
    source = str(path)
    data = load_file(Path(path), error=ProfileError).data
    version = data.get("mbt_advisor_wizard") if isinstance(data, dict) else None
    if type(version) is not int or version != 1:
        raise ProfileError("is not a wizard progress file (mbt_advisor_wizard: 1).", source=source)
    for key in data:
        if key not in STATE_KEYS:
            raise ProfileError(
                f"unknown entry {shown(key)} in a progress file.{did_you_mean(str(key), STATE_KEYS)}",
                source=source,
                allowed=", ".join(STATE_KEYS),
            )
    answers = _mapping(data.get("answers"), "answers", source)
    for name, value in answers.items():
        _check_name(name, known, source, "answers")
        _check_answer(name, value, source, f"answers.{name}")
    lists = []
    for entry in ("skipped", "history"):
        items = data.get(entry)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ProfileError(f"is {_kind(items)}; it is a list of question names.", source=source, field=entry)
        for index, name in enumerate(items):
            _check_name(name, known, source, f"{entry}[{index}]")
        lists.append(list(items))
    return dict(answers), lists[0], lists[1]


def read_answers(path: Path, fields: Collection[str] | None = None) -> dict[str, Any]:
    """The answers of an answers file as ``{"section.key": value}``, each checked.

    Two forms are accepted, not mixed: a profile-shaped file (sections ``organization``, ``ratings``,
    ``facts``, each a mapping) or a flat mapping of ``section.key`` names (and ``wizard.path``). Raises
    :class:`ProfileError`."""
    known = list(fields) if fields is not None else question_fields()
    source = str(path)
    data = load_file(Path(path), error=ProfileError).data
    if not isinstance(data, dict):
        raise ProfileError(
            f"is {_kind(data)}; an answers file is a mapping of questions to answers.",
            source=source,
            allowed="sections organization, ratings, facts, or flat names such as facts.team_size",
        )
    sections = [key for key in data if key in SECTIONS]
    flat_keys = [key for key in data if key not in SECTIONS and key != "profile_version"]
    if sections and flat_keys:
        raise ProfileError(
            f"mixes sections ({sections[0]}) with flat names ({shown(flat_keys[0])}); use one form.",
            source=source,
        )
    flat: dict[str, Any] = {}
    if sections:
        for section in sections:
            part = _mapping(data[section], section, source)
            for key, value in part.items():
                flat[f"{section}.{key}"] = value
    else:
        flat = {key: value for key, value in data.items() if key != "profile_version"}
    for name, value in flat.items():
        _check_name(name, known, source, "")
        _check_shape(value, source, str(name))
    return flat  # each value is then read as the prompt would read it, and checked, by Wizard.answer


def _mapping(value: Any, field: str, source: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"is {_kind(value)}; it must be a mapping of names to answers.", source=source, field=field)
    return value


def _check_name(name: Any, known: list[str], source: str, field: str) -> None:
    if not isinstance(name, str):
        raise ProfileError(
            f"{shown(name)} is not a question name (text such as facts.team_size).", source=source, field=field or None
        )
    if name not in known:
        raise ProfileError(
            f"unknown question {shown(name)}.{did_you_mean(name, known)}", source=source, field=field or None
        )


def _check_shape(value: Any, source: str, field: str) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict | list):
            raise ProfileError(
                f"is {_kind(item)} inside an answer; an answer is one value or a list of choices.",
                source=source,
                field=field,
            )


def _check_answer(name: str, value: Any, source: str, field: str) -> None:
    if name == PATH_FIELD:
        if value not in PATHS or not isinstance(value, str):
            raise ProfileError(
                f"{shown(value)} is not a wizard path.", source=source, field=field, allowed=", ".join(PATHS)
            )
        return
    try:
        check_value(name, value)
    except ValueError as exc:
        raise ProfileError(str(exc), source=source, field=field) from None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "empty"}.get(
        type(value), f"a {type(value).__name__}"
    )
