"""One answer of the questionnaire on its own: checked by the profile model itself (``check_value``), and
flat answers (``section.key``) nested into a profile's shape (``nest``). Used by the questionnaire and by
the checks of its files (progress and answers files), so neither needs the other.

May import: common, profile.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from mbt_advisor.common.errors import ProfileError
from mbt_advisor.common.yamlio import Document
from mbt_advisor.profile.model import PROFILE_VERSION, Profile
from mbt_advisor.profile.validation import raise_validation_error


def check_value(name: str, value: Any) -> None:
    """Validate one answer with the profile model itself. Raises ValueError with the reason."""
    data = nest({"organization.name": "(not yet named)", name: value})
    try:
        Profile.model_validate(data)
    except ValidationError as exc:
        try:
            raise_validation_error(exc, Document(data, "answer"), Profile, ProfileError)
        except ProfileError as err:
            raise ValueError(err.problem + (f" Allowed: {err.allowed}." if err.allowed else "")) from None


def nest(answers: dict[str, Any]) -> dict[str, Any]:
    """``{"facts.team_size": 10}`` -> ``{"facts": {"team_size": 10}}`` (wizard-only keys dropped)."""
    data: dict[str, Any] = {"profile_version": PROFILE_VERSION}
    for name, value in answers.items():
        section, _, key = name.partition(".")
        if section in {"organization", "ratings", "facts"}:
            data.setdefault(section, {})[key] = value
    return data
