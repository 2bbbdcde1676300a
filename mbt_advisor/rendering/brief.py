"""The consultant's site-visit brief, as one self-contained HTML page or as Markdown.

Page one is the brief itself (the unit, the headline, the five most urgent actions, the eight questions to
ask, what is still unknown); the detail follows (recommendations by level, the chart, similar cases, an
interview guide with room for answers, numbered references). Every value a reader sees is put into words
here, from the question bank's labels: the templates (mbt_advisor/templates) only lay it out. HTML is
autoescaped, so profile text such as an organization named ``<script>`` is shown as text; Markdown escapes
its markup characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mbt_advisor._version import __version__
from mbt_advisor.assessment.advisor import Advisor, ProfileLike, default_advisor
from mbt_advisor.assessment.model import Assessment, CitationOut, Recommendation, Strength
from mbt_advisor.common.errors import InputError
from mbt_advisor.common.prose import GROUNDING_ROLES
from mbt_advisor.profile.loading import as_profile
from mbt_advisor.profile.model import LEVELS, Profile
from mbt_advisor.rendering.formats import NO_EVIDENCE, md_escape
from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
from mbt_advisor.rulebase.words import capital, case_label, listed, short_words, shown_index, value_label

TOP_ACTIONS = 5
VISIT_QUESTIONS = 8

SEVERITY_WORDS = {"high": "high", "medium": "medium", "low": "low"}
_LOCATOR = re.compile(r"^((?:Table|Figure|Slide|Slides|Lessons learned|Abstract)[^:;]{0,30}):\s*(.+)$", re.S)
_DIFFERENCE = re.compile(r"^(\w+\.\w+): (.+) here, (.+) there$")


@dataclass
class Cite:
    """One piece of evidence on a card: a short numbered reference and what the source reports."""

    number: int
    locator: str | None
    case: str | None  # None for a statement not about one case (a slide, a table's average)
    text: str
    grounds: bool = False  # the case is cited as a determinant or a rating (GROUNDING_ROLES), not for context

    @property
    def short(self) -> str:
        """'[2] Table 1, unit C'."""
        return f"[{self.number}] " + ", ".join(x for x in (self.locator, self.case) if x)


@dataclass
class Card:
    number: int
    title: str
    level: str
    meta: str
    reading: str | None  # mbt-advisor's own reasoning, shown apart from the evidence
    actions: list[str]
    evidence: list[Cite]
    anchor: str
    grade: str = ""  # the evidence grade in words

    @property
    def cases(self) -> str:
        """The cases a card rests on, with their reference numbers: 'REORG cohort [1], unit C [2]'. A card that
        rests on no case (none cited as a determinant or a rating) names where its evidence stands and its
        grade: 'the speaker's suggestions for schools: Schools slide (...) [3]', 'the authors' proposal, not a
        finding: Abstract [1]', never a case cited only for its outcome, context or proposal."""
        seen: dict[str, int] = {}
        for cite in self.evidence:
            if cite.case is not None and cite.grounds:
                seen.setdefault(cite.case, cite.number)
        if not seen:
            slides = ", ".join(
                dict.fromkeys(f"{cite.locator} [{cite.number}]" for cite in self.evidence if cite.locator)
            )
            return f"{self.grade}: {slides}" if self.grade and slides else self.grade or slides
        return ", ".join(f"{case} [{number}]" for case, number in seen.items())


@dataclass
class VisitQuestion:
    level: str
    text: str
    kind: str  # "gap" (a known gap) | "protect" (keeping a strength) | "missing" (fills in missing information)
    why: str  # the recommendation it asks about ("rec. 3"), or why it is asked


@dataclass
class LevelLine:
    name: str
    risk: str
    index: int | None  # 0-100, higher is worse; None when the level could not be judged
    answered: str


@dataclass
class Similar:
    name: str
    similarity: str
    outcome: str
    summary: str
    shared: int
    differences: list[str] = field(default_factory=list)


@dataclass
class Reference:
    """A source, once, with the documented cases the brief cites from it and their published outcomes."""

    text: str
    cases: list[str]


@dataclass
class Brief:
    """Everything the templates show, already in words."""

    unit: str
    facts: list[tuple[str, str]]
    headline: str
    risk: str
    index: int | None
    explanation: str
    readiness: str | None  # the readiness headline, for a unit that has not started
    levels: list[LevelLine]
    top: list[Card]
    strengths: list[Card]  # what is in place, with what protects it ("What to protect" on page one)
    questions: list[VisitQuestion]
    unknown: list[str]
    unknown_more: int
    cards: dict[str, list[Card]]
    chart_svg: str | None
    chart_caption: str | None
    chart_title: str
    similar: list[Similar]
    guide: dict[str, list[VisitQuestion]]
    references: list[Reference]
    version: str
    digest: str
    technical: list[dict[str, Any]] | None
    assessment: Assessment
    since: Since | None = None


@dataclass
class SinceRow:
    scope: str
    then: str
    now: str
    change: str  # '+73' from the indexes as shown, or ''


@dataclass
class SinceGroup:
    title: str
    items: list[str]
    more: int  # how many more were left out ("and N more")


@dataclass
class Since:
    """What changed since the previous visit: its date, the index then and now, the early warning (the one
    the web's visit page shows: the same comparison), and the answers and ratings that got worse or better."""

    date: str | None
    rows: list[SinceRow]
    warnings: list[str]
    groups: list[SinceGroup]
    one_side: int = 0  # answers known at one of the two visits only (not compared)


SINCE_ITEMS = 10  # items per group on page one before "and N more"


def _templates_dir() -> Path:
    return Path(str(resources.files("mbt_advisor") / "templates"))


# roles a brief says after the statement: those whose locator does not say what it is (an effect size's locator
# already says "not shown in the talk", the schools slide's quotes the slide)
_BRIEF_NOTED_ROLES = ("outcome", "proposal", "context")


def _role_note(role: str, label: str) -> str:
    return f" ({label})" if role in _BRIEF_NOTED_ROLES else ""


def _cite(c: CitationOut, number: int, kb: KnowledgeBase) -> Cite:
    text = c.statement.rstrip(". ") + _role_note(c.role, c.role_label)
    return Cite(number, c.locator, case_label(kb, c.case), text, grounds=c.role in GROUNDING_ROLES)


def _card(rec: Recommendation, numbers: dict[str, int], kb: KnowledgeBase) -> Card:
    when = "Before the first patients" if rec.timing == "before_start" else "Now"
    meta = (
        f"{when}; {rec.theme}; severity {SEVERITY_WORDS.get(rec.severity, rec.severity)}; rests on {rec.evidence_label}"
    )
    return Card(
        number=rec.priority,
        title=rec.title,
        level=rec.level,
        meta=meta,
        reading=rec.our_reading,
        actions=list(rec.actions),
        evidence=[_cite(c, numbers[c.source], kb) for c in rec.shown_citations()]
        + [
            Cite(numbers[x.source], x.locator, None, x.statement.rstrip(". ") + _role_note(x.role, x.role_label))
            for x in rec.source_statements
        ],
        anchor=f"rec-{rec.priority}",
        grade=rec.evidence_label,
    )


def _difference(kb: KnowledgeBase, text: str, case_id: str | None = None) -> str:
    """'facts.clinical_leadership: shared here, absent there' in the question bank's words. Where the case's
    answer is our reading of its row (its encoding says "read as"), it is shown as our reading of the row's own
    words, never as what the source reported of the case."""
    match = _DIFFERENCE.match(text)
    if not match or match.group(1) not in kb.questions:
        return text
    name, here, there = match.groups()
    prompt = kb.questions[name].prompt
    encoding = kb.cases[case_id].encoding.get(name, "") if case_id in kb.cases else ""
    read = " ".join(encoding.split()).split(" (read as", 1)

    def parse(raw: str) -> Any:
        if raw.startswith("[") and raw.endswith("]"):
            return [parse(part.strip(" '\"")) for part in raw[1:-1].split(",") if part.strip()]
        if raw in ("true", "false"):
            return raw == "true"
        if raw.lstrip("-").replace(".", "", 1).isdigit():
            return float(raw) if "." in raw else int(raw)
        return raw

    def word(raw: str) -> str:
        return value_label(kb, name, parse(raw))

    if len(read) == 2:
        return f'{prompt} Here: {word(here)}; there, as we read its row\'s "{read[0]}": {word(there)}.'
    return f"{prompt} Here: {word(here)}; there: {word(there)}."


def _questions(a: Assessment, kb: KnowledgeBase) -> tuple[list[VisitQuestion], list[VisitQuestion]]:
    """(gap questions in priority order, missing-information questions, most needed first)."""
    gaps: list[VisitQuestion] = []
    seen: set[str] = set()
    for rec in a.recommendations:
        for text in rec.questions:
            if text not in seen:
                seen.add(text)
                gaps.append(VisitQuestion(rec.level, text, "gap", f"rec. {rec.priority}"))
    for strength in a.strengths:  # after every gap: what keeps a strength in place
        for text in strength.questions[:1]:
            if text not in seen:
                seen.add(text)
                gaps.append(
                    VisitQuestion(
                        strength.level, text, "protect", f"to keep: {strength.title[0].lower()}{strength.title[1:]}"
                    )
                )
    missing = [
        VisitQuestion(
            item.level or "organization",
            item.question,
            "missing",
            "not answered yet",
        )
        for item in sorted(a.missing_information, key=lambda m: -len(m.needed_by))
        if item.question not in seen
    ]
    return gaps, missing


def _visit_questions(gaps: list[VisitQuestion], missing: list[VisitQuestion]) -> list[VisitQuestion]:
    """The eight to ask first: the top gaps' questions, then the answers most rules wait for."""
    first = gaps[: VISIT_QUESTIONS - min(len(missing), 3)]
    chosen = first + missing[: VISIT_QUESTIONS - len(first)]
    chosen += gaps[len(first) : len(first) + VISIT_QUESTIONS - len(chosen)]
    order: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
    return sorted(chosen, key=lambda q: order[q.level])


def _headline(a: Assessment) -> str:
    """The risk headline after its label: 'high (index 94 of 100)' -> '(index 94 of 100)'."""
    headline = a.risk.headline
    return headline[len(a.risk.overall) :].strip() if headline.startswith(a.risk.overall) else headline


def _numbers(a: Assessment, kb: KnowledgeBase) -> dict[str, int]:
    """Source id -> reference number, in order of first citation."""
    numbers: dict[str, int] = {}
    for rec in a.recommendations:
        sources = [c.source for c in rec.shown_citations()] + [s.source for s in rec.source_statements]
        for source in sources:
            numbers.setdefault(source, len(numbers) + 1)
    for strength in a.strengths:
        for source in [c.source for c in strength.shown_citations()] + [x.source for x in strength.source_statements]:
            numbers.setdefault(source, len(numbers) + 1)
    for s in a.similar_cases:
        numbers.setdefault(kb.cases[s.case].source, len(numbers) + 1)
    return numbers


def _strength_card(number: int, item: Strength, numbers: dict[str, int], kb: KnowledgeBase) -> Card:
    """A strength as a card: what is in place, its evidence, our reading, and what protects it."""
    return Card(
        number=number,
        title=item.title,
        level=item.level,
        meta=f"In place; {item.theme}; rests on: {item.evidence_label}",
        reading=item.our_reading,
        actions=list(item.protect),
        evidence=[_cite(c, numbers[c.source], kb) for c in item.shown_citations()]
        + [
            Cite(numbers[x.source], x.locator, None, x.statement.rstrip(". ") + _role_note(x.role, x.role_label))
            for x in item.source_statements
        ],
        anchor=f"strength-{number}",
    )


def _technical(a: Assessment) -> list[dict[str, Any]]:
    return [
        {
            "priority": rec.priority,
            "rule": rec.rule_id,
            "score": f"{rec.score:.3f}",
            "components": ", ".join(f"{k} {v:.2f}" for k, v in rec.score_components.model_dump().items()),
            "matched": ", ".join(f"{m.field}={m.value}" for m in rec.matched),
        }
        for rec in a.recommendations
    ]


def brief_context(
    profile: Profile,
    advisor: Advisor,
    assessment: Assessment | None = None,
    *,
    technical: bool = False,
    previous: Profile | None = None,
) -> Brief:
    """The brief's content, in words, for the templates; with the ``previous`` visit's profile, what changed
    since it (page one) and its ratings on the chart."""
    from mbt_advisor.rendering.chart import brief_chart

    kb = advisor.kb
    a = assessment or advisor.evaluate(profile)
    org = a.organization
    numbers = _numbers(a, kb)
    cards = [_card(rec, numbers, kb) for rec in a.recommendations]
    strengths = [_strength_card(i, item, numbers, kb) for i, item in enumerate(a.strengths, 1)]
    gaps, missing = _questions(a, kb)
    visit = _visit_questions(gaps, missing)
    asked = {q.text for q in visit}
    unknown = [q.text for q in missing if q.text not in asked]
    if not any(d.rated_items for d in a.risk.details):
        unknown.insert(0, "No expert ratings of the 21 Table 4 items were given.")
    facts = [
        ("Setting", value_label(kb, "organization.setting", org.setting or None)),  # omitted: "not known"
        ("Population", value_label(kb, "organization.population", org.population or None)),
        ("Phase", value_label(kb, "organization.phase", org.phase or None)),
        ("Assessed", _assessed(org.assessed_on, org.assessor)),
    ]
    levels = [
        LevelLine(
            d.level.capitalize(),
            d.risk,
            None if d.index is None else round(d.index),
            f"{d.known_fields} of {d.total_fields} answers that matter known",
        )
        for d in a.risk.details
    ]
    chart = brief_chart(profile, a, kb, previous=previous)
    chart_rated = any(d.rated_items for d in a.risk.details)
    sources_in_order = sorted(numbers, key=numbers.__getitem__)
    cited: dict[str, list[str]] = {}
    cases_cited = {c.case for r in a.recommendations for c in r.shown_citations()}
    cases_cited |= {c.case for x in a.strengths for c in x.shown_citations()}
    for cid in sorted(cases_cited | {s.case for s in a.similar_cases}):
        case = kb.cases[cid]
        cited.setdefault(case.source, []).append(f"{case.name}: {case.outcome_text()}")
    similar = [
        Similar(
            name=kb.cases[s.case].name,
            similarity=f"{round(s.similarity * 100)}%",
            outcome=s.outcome,
            summary=f"{' '.join(kb.cases[s.case].summary.split())} (from {kb.cases[s.case].summary_locator})",
            shared=len(s.shared_concerns),
            differences=[_difference(kb, d, s.case) for d in s.differences],
        )
        for s in a.similar_cases
    ]
    return Brief(
        unit=org.name,
        facts=facts,
        headline=_headline(a),
        risk=a.risk.overall,
        index=None if a.risk.index is None else round(a.risk.index),
        explanation=a.risk.explanation,
        readiness=a.readiness.headline if a.readiness else None,
        levels=levels,
        top=cards[:TOP_ACTIONS],
        strengths=strengths,
        questions=visit,
        unknown=unknown[:4],
        unknown_more=max(0, len(unknown) - 4),
        cards={level: [c for c in cards if c.level == level] for level in LEVELS},
        chart_svg=chart[0] if chart else None,
        chart_caption=chart[1] if chart else None,
        chart_title="The unit's ratings against the documented cohorts"
        if chart_rated
        else "The documented cohorts' ratings before and during the reorganization",
        similar=similar,
        guide={level: [q for q in gaps + missing if q.level == level] for level in LEVELS},
        references=[Reference(kb.sources[s].reference(), cited.get(s, [])) for s in sources_in_order],
        version=__version__,
        digest=a.rule_base,
        technical=_technical(a) if technical else None,
        assessment=a,
        since=_since(previous, profile, advisor) if previous is not None else None,
    )


def _assessed(day: str | None, assessor: str | None) -> str:
    """'2026-11-20 by K. Jansen', 'by K. Jansen (date not given)', 'date not given'."""
    if day and assessor:
        return f"{day} by {assessor}"
    if assessor:
        return f"by {assessor} (date not given)"
    return day or "date not given"


def _since(previous: Profile, profile: Profile, advisor: Advisor) -> Since:
    from mbt_advisor.questions.comparison import compare

    c = compare(previous, profile, advisor=advisor)
    rows = []
    for r in c.risk:
        known = r.old_index is not None and r.new_index is not None
        rows.append(
            SinceRow(
                scope=r.scope.capitalize(),
                then=r.old if r.old_index is None else str(shown_index(r.old_index)),
                now=r.new if r.new_index is None else str(shown_index(r.new_index)),
                change=f"{shown_index(r.new_index) - shown_index(r.old_index):+d}" if known else "",  # type: ignore[arg-type]
            )
        )
    groups = []
    changes = [x for level in LEVELS for x in c.answers[level]]
    one_side = [x for x in changes if x.old is None or x.new is None]
    for direction, title in (("worse", "Fell or got worse"), ("better", "Rose or got better"), ("changed", "Changed")):
        words = [
            f"{capital(x.label)} ({short_words(x.old_words)} to {short_words(x.new_words)})"
            for x in changes
            if x.direction == direction and x not in one_side
        ]
        shown_items, more = listed(words, SINCE_ITEMS)
        if shown_items:
            groups.append(SinceGroup(title, shown_items, more))
    return Since(date=c.old_assessed_on, rows=rows, warnings=list(c.warnings), groups=groups, one_side=len(one_side))


def _environment(markdown: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(_templates_dir()),
        undefined=StrictUndefined,
        autoescape=False if markdown else select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.globals["no_evidence"] = NO_EVIDENCE
    return env


def render_brief(
    profile: Profile,
    advisor: Advisor,
    fmt: str = "html",
    *,
    technical: bool = False,
    previous: Profile | None = None,
) -> str:
    """The brief as HTML (one self-contained page that prints to A4) or as Markdown of the same structure;
    with ``previous`` (the unit's previous visit), page one says what changed since it."""
    from markupsafe import Markup

    brief = brief_context(profile, advisor, technical=technical, previous=previous)
    if fmt == "html":
        svg = Markup(brief.chart_svg) if brief.chart_svg else None  # produced by matplotlib, not by the profile
        return str(_environment(False).get_template("brief.html.j2").render(b=brief, chart_svg=svg, levels=LEVELS))
    return str(_environment(True).get_template("brief.md.j2").render(b=brief, levels=LEVELS))


def brief(
    profile: ProfileLike,
    *,
    previous: ProfileLike | None = None,
    format: str = "html",
    technical: bool = False,
    advisor: Advisor | None = None,
) -> str:
    """The site-visit brief of ``profile`` (a path, a dict or a Profile) as HTML or Markdown, with ``advisor``
    or the bundled rule base; with ``previous``, the unit's previous visit, page one says what changed since
    it and the chart marks the previous ratings. The web application links a visit's brief with its previous
    visit through this function."""
    if format not in ("html", "markdown"):
        raise ValueError("format is 'html' or 'markdown' (a PDF: brief_pdf of the HTML)")
    advisor = advisor or default_advisor()
    return render_brief(
        as_profile(profile),
        advisor,
        format,
        technical=technical,
        previous=None if previous is None else as_profile(previous),
    )


PDF_EXTRA = "pip install 'mbt-advisor[pdf]'"


def brief_pdf(html: str) -> bytes:
    """The brief's HTML as a PDF, through WeasyPrint (the optional extra ``mbt-advisor[pdf]``): the pages of the
    printed HTML (its @page rules: A4, the same breaks), with no browser's header or footer. Raises InputError
    with one line when WeasyPrint, or the pango library it needs, is missing."""
    try:
        import weasyprint
    except ImportError:
        raise InputError(
            f"a PDF needs WeasyPrint, an optional extra: {PDF_EXTRA} (or write --format html and print it).",
            source="report --format pdf",
        ) from None
    except OSError as exc:  # WeasyPrint is installed but cannot load pango (a system library)
        raise InputError(
            f"WeasyPrint cannot load the pango library it needs ({str(exc).splitlines()[0][:120]}); on Debian: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0.",
            source="report --format pdf",
        ) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
