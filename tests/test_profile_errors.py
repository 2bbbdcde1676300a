"""Bad profiles give one ProfileError naming the file, the field, the line and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbt_advisor import ProfileError, load_profile, parse_profile

BASE = "organization:\n  name: Test\n"

CASES = [
    # (document, field in message, words the message must contain)
    (BASE + "  settng: school\n", "organization.settng", ["unknown key", "Did you mean 'setting'", "line 3"]),
    (BASE + "ratings:\n  leadershp: 5\n", "ratings.leadershp", ["Did you mean 'leadership'", "line 4"]),
    (BASE + "facts:\n  team_sise: 5\n", "facts.team_sise", ["Did you mean 'team_size'"]),
    (BASE + "ratings:\n  leadership: 8\n", "ratings.leadership", ["from 1 to 7"]),
    (BASE + "ratings:\n  leadership: 0\n", "ratings.leadership", ["from 1 to 7"]),
    (BASE + "ratings:\n  leadership: 4.3\n", "ratings.leadership", ["0.5"]),
    (BASE + "ratings:\n  leadership: .nan\n", "ratings.leadership", ["finite"]),
    (BASE + "ratings:\n  leadership: .inf\n", "ratings.leadership", ["finite"]),
    (BASE + "ratings:\n  leadership: true\n", "ratings.leadership", ["not true/false"]),
    (BASE + "ratings:\n  leadership: '3/5'\n", "ratings.leadership", ["'2/3'"]),
    (BASE + "facts:\n  team_size: 10.5\n", "facts.team_size", ["integer"]),
    (BASE + "facts:\n  team_size: -3\n", "facts.team_size", ["greater than or equal to 1"]),
    (BASE + "facts:\n  team_size: '10'\n", "facts.team_size", ["integer"]),
    (BASE + "facts:\n  mbt_trained_fraction: 1.5\n", "facts.mbt_trained_fraction", ["less than or equal to 1"]),
    (BASE + "facts:\n  mission_fit: maybe\n", "facts.mission_fit", ["boolean"]),
    (
        BASE + "facts:\n  management_support: strnog\n",
        "facts.management_support",
        ["Did you mean 'strong'", "'partial'", "'lacking'"],
    ),
    (BASE + "facts:\n  team_splits: [disciplines, pizza]\n", "facts.team_splits[1]", ["'on_off_model'"]),
    (BASE + "  setting: hospital\n", "organization.setting", ["'day_hospital'"]),
    ("profile_version: 3\n" + BASE, "profile_version", ["newer"]),
    ("organization:\n  setting: school\n", "organization.name", ["required"]),
    ("ratings: {}\n", "organization", ["required"]),
    (BASE + "extra: 1\n", "extra", ["unknown key", "'ratings'"]),
    (BASE + "facts:\n  team_size: 4\n  team_size: 5\n", "facts", ["appears twice", "line 5"]),
    ("a: &x [1, 2]\nb: *x\n", "b", ["aliases"]),
    ("- organization\n", None, ["top level must be a mapping"]),
    ("", None, ["empty"]),
    ("organization: [unclosed\n", None, ["not valid YAML"]),
    (BASE + "  assessed_on: 2026-13-45\n", "organization.assessed_on", ["cannot be read"]),
]


@pytest.mark.parametrize(("text", "field", "words"), CASES)
def test_bad_profile_is_one_clear_error(text: str, field: str | None, words: list[str]) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "unit.yaml")
    message = str(caught.value)
    assert message.startswith("unit.yaml")
    assert caught.value.field == field
    for word in words:
        assert word in message, message


def test_omitted_answers_are_unknown_not_errors() -> None:
    profile = parse_profile(BASE)
    assert profile.known_fields() == {}
    assert profile.facts.team_size is None


def test_published_half_ratings_are_accepted() -> None:
    profile = parse_profile(BASE + "ratings:\n  leadership: 2/3\n  team_size: 6.5\n")
    assert profile.ratings.leadership == 2.5
    assert profile.ratings.team_size == 6.5


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "nope.yaml")
    with pytest.raises(ProfileError, match="is a directory"):
        load_profile(tmp_path)


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("organization:\n  name: Café\n".encode("latin-1"))
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(path)


def test_json_profiles_reject_duplicates_and_nan(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"organization": {"name": "x"}, "organization": {"name": "y"}}')
    with pytest.raises(ProfileError, match="appears twice"):
        load_profile(path)
    path.write_text('{"organization": {"name": "x"}, "ratings": {"leadership": NaN}}')
    with pytest.raises(ProfileError, match="NaN"):
        load_profile(path)
    path.write_text('{"organization": {"name": "x"}, "ratings": {"leadership": 5}}')
    assert load_profile(path).ratings.leadership == 5


def test_python_object_tags_are_never_constructed() -> None:
    with pytest.raises(ProfileError, match="tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"):
        parse_profile("organization: !!python/object/apply:os.system ['echo hacked']\n")


def test_the_refused_text_characters_are_exactly_the_control_surrogate_and_separator_categories() -> None:
    """One definition of what a text field refuses (code-point ranges, also stated in the JSON Schema as a
    pattern) that is exactly the Unicode categories Cc, Cs, Zl and Zp."""
    import re
    import sys
    import unicodedata

    from mbt_advisor.profile.field_types import PLAIN_TEXT_PATTERN, REFUSED_RANGES, plain_text

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    refused = set(re.findall(f"[{REFUSED_RANGES}]", everything))
    by_category = {c for c in everything if unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"}}
    assert refused == by_category
    for char in ["\x00", "\x1b", "\x85", "\u2028", "\ud800"]:
        with pytest.raises(ValueError, match="control character"):
            plain_text(f"a{char}b")
        # the JSON Schema's pattern names them too (lone surrogates aside: no JSON Schema regex can name them)
        assert char == "\ud800" or not re.search(PLAIN_TEXT_PATTERN, f"a{char}b")
    assert plain_text("Café \u202e") == "Café \u202e" and re.search(PLAIN_TEXT_PATTERN, "Café")
