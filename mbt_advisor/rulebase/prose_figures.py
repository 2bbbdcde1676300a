"""Figures in prose are checked against the knowledge data they cite (used by ``rules check``).

A sentence the tool shows may quote a figure only when the data it rests on holds that figure: a rule's
texts may quote what its cited cases, its cited sources, its determinant and its Table 4 item record; a
case's texts what that case (and, for a cohort, its partner cohort) records; a question's help, a lesson or a
readiness text what the knowledge records at all. Four kinds of figure are checked more strictly, wherever
they appear:

- the determinant slide's X ("Leadership: 7", "counts 7 on the determinant slide", "X = 7") must be the X of
  the determinant named just before it;
- a Table 4 comparison ("team cohesion, 7 before vs 2 during", "leadership 6 to 3", "rated 6 before the
  reorganization and 2/3 during it") must give the two cohorts' ratings of the item it names;
- a Table 4 half is written as the source writes it, "2/3" or "2 to 3", never "2.5" (except where a text
  explains the encoding: "2/3 read as 2.5");
- an effect-size range ("0.03-0.71") must be the range of one recorded effect size.

Numbers that are references rather than figures ("Table 4", "Figure 1", "phase 1", "point 3", a source's
year) are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
from mbt_advisor.rulebase.knowledge_models import Case, Determinant, RatingItem
from mbt_advisor.rulebase.rule_models import Rule
from mbt_advisor.rulebase.strength_models import Strength
from mbt_advisor.rulebase.words import table4_form

# A figure: an integer or decimal, or a fraction such as 2/3; not part of a word ("SIPP-118", "MBT-A2").
_FIGURE = re.compile(r"(?<![\w.,/])(?<![A-Za-z]-)\d+(?:\.\d+)?(?:/\d+)?(?![\w/])")
# Numbers that name a thing rather than state a figure.
_REFERENCE = re.compile(
    r"\b(?:Table|Tables|Figure|phase|point|idea|Cohort|column|slide|Slide|item|page)s?\s+\d+(?:\s*(?:and|,|-)\s*\d+)*"
)
_YEAR_RANGE = re.compile(r"\b(?:19|20)\d\d\b")
_ENCODING_NOTE = re.compile(r"\b(\d)/(\d)\s+(?:read\s+)?as\s+(\d\.5)\b")
_EFFECT_RANGE = re.compile(r"(?<![\w.])(\d\.\d+)\s*[-–]\s*(\d\.\d+)(?![\w.])")
_X_QUOTE = re.compile(
    r"(?:counts\s+(\d+)\s+on\s+the\s+determinant\s+slide|\bX\s*=\s*(\d+)|:\s*(\d+)(?=\s*(?:;|$|\)|\.\s|\.$)))"
)
_TABLE4_PAIR = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z &'()\-]*?)\s*,?\s+(?:was\s+)?(?:rated\s+)?(?P<a>\d(?:/\d)?)\s+"
    r"(?:before(?:\s+the\s+reorganization)?\s+)?(?:vs\.?|to|and)\s+(?P<b>\d(?:/\d|\s+to\s+\d(?=\s+during))?)"
    r"(?![\d/]|\.\d)"
)
_NAMED_IN_CASES = re.compile(r"named in (?:\d+|all|every) (?:of the )?(?:\d+ )?cases", re.IGNORECASE)


@dataclass(frozen=True)
class ProseProblem:
    """One sentence that says more, or other, than its data: where it is and what is wrong."""

    file: str  # a rule's file as loaded; a knowledge file relative to the knowledge folder
    path: tuple[str | int, ...]  # within the rule, or within the knowledge file
    owner: str  # the rule id, or "case X", "question F", a lesson id, "readiness F"
    message: str


def normal(token: str) -> str:
    """A figure in one canonical spelling: 4.0 -> 4, 1.80 -> 1.8; fractions unchanged."""
    if "/" in token:
        return token
    try:
        value = Decimal(token)
    except InvalidOperation:
        return token
    text = format(value.normalize(), "f")
    return text


def figures_in(text: str) -> list[str]:
    """The figures a text states, references and years left out, each in its canonical spelling."""
    text = _REFERENCE.sub(" ", text)
    text = _ENCODING_NOTE.sub(lambda m: f"{m.group(1)}/{m.group(2)}", text)
    return [normal(m.group(0)) for m in _FIGURE.finditer(text) if not _YEAR_RANGE.fullmatch(m.group(0))]


def _figures_of_value(value: Any) -> set[str]:
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, (int, float)):
        return {normal(repr(float(value)) if isinstance(value, float) else str(value))}
    if isinstance(value, str):
        return set(figures_in(value))
    if isinstance(value, dict):
        return set().union(*(_figures_of_value(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_figures_of_value(v) for v in value)) if value else set()
    return set()


def table4_figures(value: float) -> set[str]:
    """How the prose may quote a Table 4 rating: the source's form, and for a half both points ("2 to 3")."""
    form = table4_form(value)
    if "/" in form:
        low, high = form.split("/")
        return {form, low, high}
    return {form}


class Evidence:
    """The figures each piece of knowledge records, in the forms the prose may quote them."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.items: tuple[RatingItem, ...] = kb.rating_items.items
        self.scale = {str(label.value) for label in kb.rating_items.scale}
        self.table4_count = str(len(self.items))

    def of_case(self, case: Case) -> set[str]:
        found = _figures_of_value(case.programme) | _figures_of_value(case.name)
        for label in case.outcome_labels:
            found |= _figures_of_value(label.text)
        for det in case.determinants:
            found |= _figures_of_value(det.text)
        for level_rating in (case.expert_ratings or {}).values():
            found |= {normal(repr(level_rating.mean)), str(level_rating.low), str(level_rating.high)}
        for effect in case.effect_sizes:
            found |= {normal(repr(effect.low)), normal(repr(effect.high)), str(effect.months)}
        if case.kind == "cohort":
            for item in self.items:
                rating = item.reference_ratings.get(case.id)
                if rating is not None:
                    found |= table4_figures(rating)
            found |= self.scale | {self.table4_count}
        return found

    def of_case_id(self, case_id: str) -> set[str]:
        case = self.kb.cases.get(case_id)
        if case is None:
            return set()
        found = self.of_case(case)
        if case.kind == "cohort":  # the two cohorts are one comparison: quoting one quotes the other
            for other in self.kb.cases.values():
                if other.kind == "cohort" and other.source == case.source and other.id != case.id:
                    found |= self.of_case(other)
        return found

    def of_source(self, source_id: str) -> set[str]:
        source = self.kb.sources.get(source_id)
        if source is None:
            return set()
        return _figures_of_value(list(source.notes)) | _figures_of_value(source.title)

    def of_determinant(self, determinant_id: str | None) -> set[str]:
        for det in self.kb.determinants.determinants:
            if det.id == determinant_id:
                return {str(det.times_named)}
        return set()

    def of_item(self, item_id: str | None) -> set[str]:
        for item in self.items:
            if item.id == item_id:
                found = _figures_of_value(item.text) | self.scale | {self.table4_count}
                for rating in item.reference_ratings.values():
                    found |= table4_figures(rating)
                return found
        return set()

    def of_table2_average(self) -> set[str]:
        return {normal(repr(v)) for v in self.kb.determinants.level_ratings.values()}

    def everything(self) -> set[str]:
        found = self.of_table2_average() | self.scale | {self.table4_count}
        for case in self.kb.cases.values():
            found |= self.of_case(case)
        for source_id in self.kb.sources:
            found |= self.of_source(source_id)
        for det in self.kb.determinants.determinants:
            found.add(str(det.times_named))
        for item in self.items:
            found |= self.of_item(item.id)
        return found

    def effect_ranges(self) -> set[tuple[str, str]]:
        return {
            (normal(repr(e.low)), normal(repr(e.high))) for case in self.kb.cases.values() for e in case.effect_sizes
        }

    def table4_halves(self) -> dict[str, str]:
        """Decimal spelling of each Table 4 half -> the source's spelling (2.5 -> 2/3)."""
        return {
            normal(repr(r)): table4_form(r)
            for item in self.items
            for r in item.reference_ratings.values()
            if r != int(r)
        }


def _aliases(det: Determinant) -> list[str]:
    """The ways prose names a determinant: its name, the name before a bracket, and its first words."""
    words = det.name.split(" (")[0].split()
    names = {det.name, det.id.replace("_", " ")} | {" ".join(words[:n]) for n in range(2, len(words) + 1)}
    return sorted((n.lower() for n in names), key=len, reverse=True)


def _item_for(phrase: str, items: Iterable[RatingItem]) -> RatingItem | None:
    """The Table 4 item a phrase names: the one whose text or label starts with it, else the one containing it."""
    words = phrase.lower().strip(" ,;(").split()
    for start in range(len(words)):  # drop leading words ("the", "and", "structure;" ...) until one matches
        candidate = " ".join(words[start:])
        if len(candidate) < 4:
            break
        starting = [i for i in items if i.text.lower().startswith(candidate) or i.short.lower().startswith(candidate)]
        if len(starting) == 1:
            return starting[0]
        containing = [i for i in items if candidate in i.text.lower()]
        if len(containing) == 1 and len(candidate.split()) >= 2:
            return containing[0]
    return None


class ProseChecker:
    """Checks one text against the figures its context allows; collects what it finds."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.evidence = Evidence(kb)
        self.halves = self.evidence.table4_halves()
        self.ranges = self.evidence.effect_ranges()
        self.problems: list[ProseProblem] = []

    def check(
        self,
        text: str | None,
        allowed: set[str],
        *,
        file: str,
        path: tuple[str | int, ...],
        owner: str,
        rating_item: str | None = None,
    ) -> None:
        if not text:
            return
        for message in self._problems(text, allowed, rating_item):
            self.problems.append(ProseProblem(file, path, owner, message))

    def _problems(self, text: str, allowed: set[str], rating_item: str | None) -> Iterator[str]:
        quoted = f'"{text if len(text) <= 90 else text[:87] + "..."}"'
        if _NAMED_IN_CASES.search(text):
            yield f"{quoted} calls the determinant slide's X a number of cases; write 'X = N on the determinant slide'"
        for half, form in self.halves.items():
            for m in re.finditer(rf"(?<![\w.]){re.escape(half)}(?![\w])", text):
                if _ENCODING_NOTE.search(text[max(0, m.start() - 12) : m.end()]):
                    continue
                low, high = form.split("/")
                yield (
                    f"{quoted} writes the Table 4 rating {half} as a decimal; "
                    f"the source writes '{form}' (or '{low} to {high}')"
                )
        yield from self._x_problems(text, quoted)
        yield from self._table4_problems(text, quoted, rating_item)
        for low, high in ((normal(a), normal(b)) for a, b in _EFFECT_RANGE.findall(text)):
            if (low, high) not in self.ranges:
                known = ", ".join(f"{a}-{b}" for a, b in sorted(self.ranges))
                yield f"{quoted} quotes the range {low}-{high}, which is no recorded effect size ({known})"
        stray = sorted({f for f in figures_in(text) if f not in allowed and f not in self.halves}, key=_sort_key)
        if stray:
            what = ", ".join(stray)
            yield (
                f"{quoted} quotes {what}, which the data it cites does not hold; quote the knowledge files "
                "(cases, determinants, rating items, sources) or cite the case or source that holds it"
            )

    def _x_problems(self, text: str, quoted: str) -> Iterator[str]:
        lowered = text.lower()
        for m in _X_QUOTE.finditer(text):
            value = next(g for g in m.groups() if g is not None)
            explicit = m.group(3) is None  # "counts N" and "X = N" always quote X; "Name: N" only after a name
            before = lowered[max(0, m.start() - 200) : m.start()]
            before = re.split(r"(?<=[.;])\s", before)[-1]
            named = self._determinant_before(before, anchored=not explicit)
            if named is None:
                if explicit:
                    yield f"{quoted} quotes X = {value} without naming its determinant just before it"
                continue
            if str(named.times_named) != value:
                yield (f"{quoted} gives {named.name!r} X = {value}; the determinant slide gives {named.times_named}")

    def _determinant_before(self, before: str, *, anchored: bool) -> Determinant | None:
        best: tuple[int, Determinant] | None = None
        for det in self.kb.determinants.determinants:
            for alias in _aliases(det):
                where = before.rfind(alias)
                if where < 0:
                    continue
                if anchored and not before.rstrip().endswith(alias):
                    continue
                if best is None or where > best[0]:
                    best = (where, det)
        return best[1] if best else None

    def _table4_problems(self, text: str, quoted: str, rating_item: str | None) -> Iterator[str]:
        for m in _TABLE4_PAIR.finditer(text):
            name = m.group("name")
            item = None
            if rating_item is not None and re.search(r"\bprogramme\b|\bwas\b", name):
                item = next((i for i in self.evidence.items if i.id == rating_item), None)
            if item is None:
                item = _item_for(name, self.evidence.items)
            if item is None:
                continue
            before, during = item.reference_ratings.get("PRE-REORG"), item.reference_ratings.get("REORG")
            if before is None or during is None:
                continue
            during_quoted = re.sub(r"\s+to\s+", "/", m.group("b"))  # "2 to 3" is the source's "2/3"
            if (m.group("a"), during_quoted) != (table4_form(before), table4_form(during)):
                yield (
                    f"{quoted} gives the Table 4 item '{item.short}' {m.group('a')} before and {m.group('b')} "
                    f"during; Table 4 gives {table4_form(before)} and {table4_form(during)}"
                )


def _sort_key(figure: str) -> tuple[float, str]:
    try:
        return (float(Decimal(figure.split("/")[0])), figure)
    except InvalidOperation:
        return (0.0, figure)


def prose_problems(kb: KnowledgeBase) -> list[ProseProblem]:
    """Every text of the rules and the knowledge that quotes a figure its data does not hold."""
    checker = ProseChecker(kb)
    ev = checker.evidence

    for rule in kb.rules:
        _check_cited(checker, rule, kb.rule_origin.get(rule.id, ("", None))[0], rule.id, ())
    for index, strength in enumerate(kb.strengths):
        _check_cited(checker, strength, "strengths.yaml", f"strength {strength.id}", ("strengths", index))

    everything = ev.everything()
    for case in kb.cases.values():
        file = f"cases/{case.id}.yaml"
        own = ev.of_case_id(case.id) | ev.of_source(case.source)
        checker.check(case.summary, own, file=file, path=("summary",), owner=f"case {case.id}")
        for index, note in enumerate(case.notes):
            checker.check(note, own, file=file, path=("notes", index), owner=f"case {case.id}")
        for index, note in enumerate(case.not_encoded):
            checker.check(note, own, file=file, path=("not_encoded", index), owner=f"case {case.id}")
        for key, reading in case.encoding.items():
            checker.check(reading, own, file=file, path=("encoding", key), owner=f"case {case.id}")
    for field, question in kb.questions.items():
        item = field.removeprefix("ratings.") if field.startswith("ratings.") else None
        checker.check(
            question.help,
            everything,
            file="questions.yaml",
            path=("questions", field, "help"),
            owner=f"question {field}",
            rating_item=item,
        )
    for index, lesson in enumerate(kb.lessons.lessons):
        own = ev.of_source(lesson.source) | {
            f for case in kb.cases.values() if case.source == lesson.source for f in ev.of_case(case)
        }
        checker.check(lesson.text, own, file="lessons.yaml", path=("lessons", index, "text"), owner=lesson.id)
    readiness: tuple[tuple[str, str, Sequence[Any]], ...] = (
        ("practice_fields", "why", kb.readiness.practice_fields),
        ("preconditions", "text", kb.readiness.preconditions),
    )
    for section, key, entries in readiness:
        for index, entry in enumerate(entries):
            checker.check(
                getattr(entry, key),
                everything,
                file="readiness.yaml",
                path=(section, index, key),
                owner=f"readiness {entry.field}",
            )
    return checker.problems


def _check_cited(
    checker: ProseChecker, item: Rule | Strength, file: str, owner: str, at: tuple[str | int, ...]
) -> None:
    """A rule's or a strength's title, reading, citations and source statements quote only figures that its
    cited cases and sources, its determinant and its Table 4 item hold."""
    ev, kb = checker.evidence, checker.kb
    context = ev.of_determinant(item.determinant) | ev.of_item(item.table4_item)
    for citation in item.citations:
        context |= ev.of_case_id(citation.case) | ev.of_source(citation.source)
    for statement in item.source_statements:
        context |= ev.of_source(statement.source)
        if "table 2" in statement.locator.lower():
            context |= ev.of_table2_average()
    for index, citation in enumerate(item.citations):
        own = (
            ev.of_case_id(citation.case)
            | ev.of_source(citation.source)
            | ev.of_item(item.table4_item)
            | ev.of_determinant(item.determinant)
        )
        checker.check(citation.detail, own, file=file, path=(*at, "citations", index, "detail"), owner=owner)
    for index, statement in enumerate(item.source_statements):
        own = ev.of_source(statement.source) | ev.of_determinant(item.determinant)
        if "determinant" in statement.locator.lower():  # each "Name: X" is checked against its name above
            own |= {str(d.times_named) for d in kb.determinants.determinants}
        if "table 2" in statement.locator.lower():
            own |= ev.of_table2_average()
        checker.check(statement.detail, own, file=file, path=(*at, "source_statements", index, "detail"), owner=owner)
    checker.check(item.title, context, file=file, path=(*at, "title"), owner=owner)
    checker.check(item.reading, context, file=file, path=(*at, "reading"), owner=owner)
