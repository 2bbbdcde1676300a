"""The organization profile: what a unit tells mbt-advisor about itself (contract section 1).

Every key of ``ratings`` and ``facts`` is optional: an omitted key is *unknown*, which the assessment reports
as missing information, and which is never the same as a bad answer. Each field carries its level
(organization, team, therapist). Which answers are better, and which fields a unit can change, is knowledge:
knowledge/field_directions.yaml.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from mbt_advisor.common.strict import Strict
from mbt_advisor.profile.field_types import PROFILE_CONFIG, Choices, IsoDate, Text, Version

PROFILE_VERSION: Literal[2] = 2
# Version 2 (issue 26) added the settings residential, forensic and community_team and the facts
# staff_turnover, new_staff_induction, ward_staff_size, team_origin and programme_novelty. A version 1 profile
# means the same in version 2 (no field changed its meaning), so its migration only raises the number: it
# loads, and gives the same assessment, as long as it holds none of the new answers.
PROFILE_VERSIONS = (1, 2)

Level = Literal["organization", "team", "therapist"]
LEVELS: tuple[Level, ...] = ("organization", "team", "therapist")

_HALF = re.compile(r"^\s*([1-7])\s*/\s*([1-7])\s*$")


def _parse_rating(value: Any) -> Any:
    """Accept 1-7 in steps of a half; the published "2/3" notation means 2.5."""
    if isinstance(value, bool):
        raise ValueError("a rating is a number from 1 to 7, not true/false")
    if isinstance(value, str):
        match = _HALF.match(value)
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValueError("a rating is a number from 1 to 7 (halves allowed, written 2.5 or '2/3')")
        return int(match.group(1)) + 0.5
    if isinstance(value, int) and not 1 <= value <= 7:  # before any float(): 10**309 has no float
        raise ValueError("a rating is a number from 1 to 7")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("a rating must be a finite number from 1 to 7")
        if not 1 <= value <= 7:
            raise ValueError(f"{value} is outside the scale; a rating is from 1 to 7")
        if (value * 2) != int(value * 2):
            raise ValueError(f"{value} is not a whole or half point; use steps of 0.5")
        return float(value)
    raise ValueError("a rating is a number from 1 to 7 (halves allowed)")


_HALF_PATTERN = r"^\s*(1\s*/\s*2|2\s*/\s*3|3\s*/\s*4|4\s*/\s*5|5\s*/\s*6|6\s*/\s*7)\s*$"  # what _HALF accepts
RATING_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 1, "maximum": 7, "multipleOf": 0.5},
        {"type": "string", "pattern": _HALF_PATTERN, "description": "a half point in the published notation"},
    ]
}
Rating = Annotated[float, BeforeValidator(_parse_rating), WithJsonSchema(RATING_SCHEMA)]


def rating(level: Level, description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra={"level": level})


def fact(level: Level, description: str, **kwargs: Any) -> Any:
    return Field(default=None, description=description, json_schema_extra={"level": level}, **kwargs)


def head_count(description: str) -> Any:
    """A team-level count of people: a whole number from 1 (10,000 at most)."""
    return fact("team", f"{description}, 1 or more", strict=True, ge=1, le=10_000)


class Organization(Strict):
    model_config = PROFILE_CONFIG

    name: Text = Field(min_length=1, max_length=300, description="Name of the unit or programme (free text).")
    setting: (
        Literal[
            "day_hospital",
            "intensive_outpatient",
            "inpatient",
            "outpatient",
            "residential",
            "forensic",
            "community_team",
            "school",
        ]
        | None
    ) = Field(default=None, description="Treatment setting.")
    population: Literal["adults", "adolescents", "pupils"] | None = Field(
        default=None, description="Who the programme serves."
    )
    phase: Literal["planning", "starting", "running", "reorganizing"] | None = Field(
        default=None, description="Where the programme stands."
    )
    assessed_on: IsoDate | None = Field(default=None, description="Date of the assessment (ISO 8601).")
    assessor: Text | None = Field(default=None, max_length=300, description="Who made the assessment.")


class Ratings(Strict):
    """The 21-item consensus adherence rating of Table 4 (Bales, Timman et al. 2017), each 1-7."""

    model_config = PROFILE_CONFIG

    org_commitment: Rating | None = rating(
        "organization", "Commitment and support within the organization to fully implement MBT"
    )
    implementation_plan: Rating | None = rating("organization", "Availability of a comprehensive implementation plan")
    financial_management: Rating | None = rating("organization", "Sound financial management")
    management_continuity: Rating | None = rating("organization", "Continuity in management")
    unit_organization: Rating | None = rating(
        "organization", "Organization of the MBT unit: clear structure, defined roles and responsibilities"
    )
    organizational_stability: Rating | None = rating("organization", "Stability in the organization")
    staff_selection: Rating | None = rating(
        "organization",
        "Staff selected on competence with BPD patients, MBT competence, team fit and affinity with the model",
    )
    team_composition: Rating | None = rating("team", "Well-balanced team composition")
    team_size: Rating | None = rating("team", "Team size within 8-12")
    leadership: Rating | None = rating("team", "Clear leadership, supported by the whole team")
    team_cohesion: Rating | None = rating("team", "Secure, open, cohesive team")
    mentalizing_environment: Rating | None = rating("team", "Open, responsive, mentalizing atmosphere")
    mbt_expertise: Rating | None = rating("team", "Availability of MBT expertise at the unit")
    training_supervision: Rating | None = rating("team", "MBT training and supervision")
    consistency: Rating | None = rating("team", "The team delivers treatment consistently")
    coherency: Rating | None = rating(
        "team", "The team uses a theoretically coherent (MBT) framework to tailor interventions"
    )
    continuity: Rating | None = rating("team", "Continuity of the team and of treatment")
    program_structure: Rating | None = rating(
        "team", "Programme structure, clear definition of roles and responsibilities"
    )
    mbt_experience: Rating | None = rating("therapist", "Therapists' experience with the model")
    model_adherence: Rating | None = rating(
        "therapist", "Adherence and competence with the model in individual and group sessions"
    )
    model_commitment: Rating | None = rating("therapist", "Commitment among all team members to the MBT model")


TeamSplit = Literal["disciplines", "on_off_model", "management_lines", "other"]


class Facts(Strict):
    """What a programme founder can answer without being an MBT expert."""

    model_config = PROFILE_CONFIG

    # organization level
    decision_process: Literal["top_down", "participatory"] | None = fact(
        "organization", "How the choice for MBT was made"
    )
    management_support: Literal["strong", "partial", "lacking"] | None = fact(
        "organization", "Support of higher management"
    )
    institutional_support: Literal["broad", "partial", "lacking"] | None = fact(
        "organization", "Support for the programme across the rest of the institution (other departments, referrers)"
    )
    mission_fit: bool | None = fact("organization", "MBT serves the institution's mission", strict=True)
    reorganization: bool | None = fact(
        "organization", "A reorganization, merger or change of key managers is under way or announced", strict=True
    )
    management_team_split: bool | None = fact(
        "organization", "Open conflict or distrust between management and the team", strict=True
    )
    organizational_fences: bool | None = fact(
        "organization", "Departmental boundaries keep available expertise away from the programme", strict=True
    )
    referral_pathways: Literal["established", "partial", "none"] | None = fact(
        "organization", "Referral pathways into the programme"
    )
    implementation_plan: Literal["none", "partial", "comprehensive"] | None = fact(
        "organization", "The implementation plan"
    )
    implementation_pace: Literal["gradual", "hurried"] | None = fact("organization", "Pace of implementation")
    training_budget: Literal["sufficient", "insufficient"] | None = fact("organization", "Budget for MBT training")
    team_isolated: bool | None = fact(
        "organization", "The programme is isolated from the rest of the institution", strict=True
    )
    research_embedding: bool | None = fact(
        "organization", "Outcome monitoring or a research project is attached", strict=True
    )
    programme_novelty: Literal["established", "new_adaptation"] | None = fact(
        "organization", "An established form of MBT, or a new adaptation (a new population or setting)"
    )
    crisis_driven_start: bool | None = fact(
        "organization",
        "MBT was chosen under crisis pressure (a surge of high-risk patients the current approach no longer serves)",
        strict=True,
    )
    # team level
    team_size: int | None = head_count("Number of members of the MBT team (those who deliver the programme)")
    ward_staff_size: int | None = head_count(
        "Number of staff on the ward or unit as a whole, the MBT team included (inpatient, residential, forensic)"
    )
    staff_turnover: Literal["low", "moderate", "high"] | None = fact(
        "team",
        "Share of the team's staff who left in the last 12 months: low (under 1 in 10), moderate (1 in 10 to 1 in 4), "
        "high (over 1 in 4)",
    )
    new_staff_induction: bool | None = fact(
        "team", "New staff are trained in MBT and introduced to the team before they treat patients", strict=True
    )
    team_origin: Literal["converting", "new_team"] | None = fact(
        "team", "An existing team converts to MBT from another way of working, or a new team is formed for it"
    )
    clinical_leadership: Literal["clear", "shared", "contested", "absent"] | None = fact(
        "team", "Clinical leadership of the team"
    )
    team_conflict: Literal["low", "high"] | None = fact("team", "Conflict in the team before the start")
    team_splits: Annotated[tuple[TeamSplit, ...], Choices] | None = fact(
        "team", "Splits in the team: disciplines, on_off_model, management_lines, other; [] = none"
    )
    team_buy_in: Literal["broad", "partial", "lacking"] | None = fact(
        "team", "How far the existing team embraces the new model and is ready to change its culture"
    )
    roles_defined: bool | None = fact(
        "team", "Roles and responsibilities are differentiated (e.g. nurses vs therapists)", strict=True
    )
    crisis_protocol: bool | None = fact("team", "Protocols for crises and incidents exist", strict=True)
    on_site_supervision: bool | None = fact(
        "team", "An MBT-experienced supervisor is available on the unit itself", strict=True
    )
    mbt_trained_fraction: float | None = fact(
        "team", "Share of the team with basic MBT training, 0 to 1", ge=0, le=1, allow_inf_nan=False
    )
    staff_confidence: Literal["high", "low"] | None = fact("team", "Staff feel competent in the model")
    reflective_stance: Literal["kept", "struggling"] | None = fact(
        "team", "The team keeps a reflective, mentalizing stance under pressure"
    )
    # therapist level
    staff_recruitment: Literal["selected", "assigned"] | None = fact(
        "therapist", "Staff selected on competence, affinity and motivation, or assigned"
    )
    mbt_experience: Literal["none", "some", "experienced"] | None = fact("therapist", "Therapists' experience with MBT")
    training_differences: bool | None = fact(
        "therapist", "Large differences in training and motivation within the team", strict=True
    )
    model_drift: bool | None = fact("therapist", "Therapists divert from the model in daily practice", strict=True)
    adherence_monitoring: bool | None = fact(
        "therapist", "Adherence to the model is monitored (e.g. rating recorded sessions)", strict=True
    )
    # school setting
    principal_support: Literal["supportive", "demanding", "absent"] | None = fact(
        "organization", "The principal's stance: supportive, demanding (imposed top-down) or absent"
    )
    starts_from_teacher_struggles: bool | None = fact(
        "team", "Introduced as help with daily struggles teachers recognize", strict=True
    )
    within_comfort_zone: bool | None = fact("therapist", "Teachers can build on what they already do", strict=True)
    pilot_subteam: bool | None = fact("team", "A small sub-team starts first", strict=True)
    benefits_measured: bool | None = fact("organization", "Benefits are measured so people stay motivated", strict=True)


class Profile(Strict):
    """An organization profile (contract v1)."""

    model_config = PROFILE_CONFIG

    profile_version: Annotated[Literal[1, 2], Version] = Field(
        default=PROFILE_VERSION,
        description="Version of the profile format (2; a version 1 profile is read as version 2: `migrate`).",
    )
    organization: Organization
    ratings: Ratings = Field(default_factory=Ratings)
    facts: Facts = Field(default_factory=Facts)

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return migrate(data)

    def value(self, path: str) -> Any:
        """The value at ``section.key`` (``None`` when unknown)."""
        section, _, key = path.partition(".")
        return getattr(getattr(self, section), key)

    def known_fields(self) -> dict[str, Any]:
        """Every answered ``section.key`` of ratings and facts, in declaration order."""
        known: dict[str, Any] = {}
        for section in ("ratings", "facts"):
            part = getattr(self, section)
            for key in type(part).model_fields:
                value = getattr(part, key)
                if value is not None:
                    known[f"{section}.{key}"] = value
        return known

    def answers(self) -> dict[str, Any]:
        """Every answered field a rule or a question can test: the organization's setting, population and
        phase, then ratings and facts (``section.key`` -> value; unanswered fields are absent)."""
        org = self.organization
        context = {f"organization.{k}": getattr(org, k) for k in CONTEXT_FIELDS if getattr(org, k) is not None}
        return {**context, **self.known_fields()}


CONTEXT_FIELDS = ("setting", "population", "phase")


def migrate(data: Any) -> Any:
    """Profile data of an older version as the current version reads it: version 1 becomes 2 unchanged (no
    field changed its meaning; version 2 only added settings and facts). Anything else is left as it is, for
    validation to accept or refuse."""
    if isinstance(data, dict) and type(data.get("profile_version")) is int and data["profile_version"] == 1:
        return {**data, "profile_version": PROFILE_VERSION}
    return data


def field_info(path: str) -> dict[str, Any]:
    """Level and description of a ``section.key`` field."""
    section, _, key = path.partition(".")
    models: dict[str, type[Strict]] = {"ratings": Ratings, "facts": Facts, "organization": Organization}
    info = models[section].model_fields[key]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return {"description": info.description or "", **extra}


def all_fields() -> list[str]:
    """Every ``ratings.*`` and ``facts.*`` field, in contract order."""
    return [f"ratings.{k}" for k in Ratings.model_fields] + [f"facts.{k}" for k in Facts.model_fields]


@functools.cache
def field_domain(path: str) -> tuple[str, tuple[Any, ...]]:
    """What a field may hold: ("enum", values), ("list", values), ("bool", ()), ("rating", (1, 7)),
    ("integer", (1, None)), ("fraction", (0, 1)), ("date", ()) or ("text", ()). Raises KeyError for unknown fields."""
    section, _, key = path.partition(".")
    models: dict[str, type[Strict]] = {"ratings": Ratings, "facts": Facts, "organization": Organization}
    if section not in models or key not in models[section].model_fields:
        raise KeyError(path)
    if section == "ratings":
        return "rating", (1, 7)
    annotation = models[section].model_fields[key].annotation
    return _domain_of(annotation)


def _domain_of(annotation: Any) -> tuple[str, tuple[Any, ...]]:
    import typing

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "enum", tuple(typing.get_args(annotation))
    if origin is tuple:
        return "list", _domain_of(args[0])[1]
    if annotation is bool:
        return "bool", ()
    if annotation is _dt.date:
        return "date", ()
    if annotation is int:
        return "integer", (1, None)
    if annotation is float:
        return "fraction", (0, 1)
    if args:
        return _domain_of(args[0])
    return "text", ()


def sample_values(path: str) -> list[Any]:
    """Every value a field can hold, or a fine sample of it for numbers (for linting and property tests)."""
    kind, domain = field_domain(path)
    if kind == "rating":
        return [x / 2 for x in range(2, 15)]
    if kind == "integer":
        return list(range(1, 41))
    if kind == "fraction":
        return [x / 20 for x in range(21)]
    if kind == "bool":
        return [True, False]
    if kind == "list":
        return [(), *[(v,) for v in domain], tuple(domain)]
    return list(domain)


def condition_fields() -> list[str]:
    """Every field a rule may test: the organization context plus all ratings and facts."""
    return ["organization.setting", "organization.population", "organization.phase", *all_fields()]
