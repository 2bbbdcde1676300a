"""Reading organization profiles from files, text or plain data."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mbt_advisor.common.errors import ProfileError
from mbt_advisor.common.yamlio import MAX_DEPTH, Document, load_file, parse_json, parse_yaml
from mbt_advisor.profile.model import Profile
from mbt_advisor.profile.validation import raise_validation_error


def as_profile(profile: Any) -> Profile:
    """A Profile as it is, plain data (any mapping) validated, or a path (str or os.PathLike) read.

    Anything else (None, bytes, a number) is a :class:`ProfileError`, not a TypeError."""
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, Mapping):
        return profile_from_data(profile)
    if isinstance(profile, str | os.PathLike):
        return load_profile(profile)
    raise ProfileError(
        f"a profile is given as a Profile, a mapping or the path of a YAML/JSON file, not {_kind(profile)}.",
        source="<argument>",
    )


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Read and validate a profile (YAML, or JSON by the ``.json`` suffix). Raises :class:`ProfileError`."""
    try:
        name = os.fspath(path)
    except TypeError:
        raise ProfileError(f"a profile path is a str or os.PathLike, not {_kind(path)}.", source="<argument>") from None
    if not isinstance(name, str):
        raise ProfileError("a profile path is text; decode a bytes path first.", source=repr(name)[:200])
    return profile_from_document(load_file(Path(name), error=ProfileError))


def parse_profile(text: str, source: str = "<profile>", *, json: bool = False) -> Profile:
    """Validate a profile given as YAML (or JSON) text."""
    if not isinstance(text, str):
        raise ProfileError(
            f"profile text is a str, not {_kind(text)}; decode bytes as UTF-8 first.", source=str(source)
        )
    doc = (parse_json if json else parse_yaml)(text, str(source), error=ProfileError)
    return profile_from_document(doc)


def profile_from_data(data: Any, source: str = "<profile>") -> Profile:
    """Validate a profile given as plain Python data (mappings, lists, scalars)."""
    return profile_from_document(Document(data=_plain(data), source=str(source)))


def _plain(data: Any, depth: int = 0) -> Any:
    """Any mapping becomes a dict and any list a list (so a MappingProxy or a tuple is read like a file
    would be); what nests deeper than a file may is left as it is for validation to refuse."""
    if depth > MAX_DEPTH:
        return data
    if isinstance(data, Mapping):
        return {key: _plain(value, depth + 1) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(value, depth + 1) for value in data]
    return data


def _kind(value: Any) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def profile_from_document(doc: Document) -> Profile:
    if doc.data is None:
        raise ProfileError("the file is empty; a profile needs at least an 'organization' section.", source=doc.source)
    if not isinstance(doc.data, dict):
        raise ProfileError(
            f"the top level must be a mapping of sections, not a {type(doc.data).__name__}.",
            source=doc.source,
            allowed="'profile_version', 'organization', 'ratings', 'facts'",
        )
    try:
        return Profile.model_validate(doc.data)
    except ValidationError as exc:
        raise_validation_error(exc, doc, Profile, ProfileError)
