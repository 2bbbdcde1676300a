"""Reading organization profiles from files, text or plain data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ProfileError
from .profile import Profile
from .validation import raise_validation_error
from .yamlio import Document, load_file, parse_json, parse_yaml


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Read and validate a profile (YAML, or JSON by the ``.json`` suffix). Raises :class:`ProfileError`."""
    return profile_from_document(load_file(Path(path), error=ProfileError))


def parse_profile(text: str, source: str = "<profile>", *, json: bool = False) -> Profile:
    """Validate a profile given as YAML (or JSON) text."""
    doc = (parse_json if json else parse_yaml)(text, source, error=ProfileError)
    return profile_from_document(doc)


def profile_from_data(data: Any, source: str = "<profile>") -> Profile:
    """Validate a profile given as plain Python data (dicts, lists, scalars)."""
    return profile_from_document(Document(data=data, source=source))


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
