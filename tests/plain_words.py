"""What a person must never have to read: the forms that belong to machines (JSON) and to folded technical
details, and a scanner that finds them in text, Markdown and HTML.

Used by tests/test_plain_words.py (the command line, the brief, the wizard) and tests/web/test_plain_words.py
(every page type). Folded parts are not scanned: an HTML ``<details>`` element, and in plain text everything
from a line ``Technical details`` on.
"""

from __future__ import annotations

import html
import re
from functools import cache

# forms that are wrong wherever a person reads them, whatever the knowledge holds
FIXED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:facts|ratings|organization)\.[a-z]+(?:_[a-z]+)*\b"), "a profile field id"),
    (re.compile(r"\bconcern:[a-z_]+"), "an engine concern"),
    (re.compile(r"\b(?:True|False)\b"), "a Python boolean"),
    (re.compile(r"\[\s*['\"]|\[\]"), "a Python list"),
    (re.compile(r"\bX\s*(?:=|of)\s*\d"), "the determinant slide's X as a formula"),
    (re.compile(r"\bknowledge(?: digest)? [0-9a-f]{12,}\b"), "a knowledge digest"),
    (re.compile(r"\bscore \d\.\d{3}\b|\bsource support \d"), "a score or its formula"),
    (re.compile(r"\b(?:true|false) -> (?:true|false)\b"), "a raw boolean change"),
]


@cache
def _ids() -> tuple[frozenset[str], frozenset[str]]:
    """(snake_case field and value ids a person must not read, rule ids)."""
    import mbt_advisor

    advisor = mbt_advisor.Advisor()
    kb = advisor.kb
    snake: set[str] = set()
    for question in kb.questions.values():
        name = question.field.split(".", 1)[1]
        if "_" in name:
            snake.add(name)
        for choice in question.choices:
            if isinstance(choice.value, str) and "_" in choice.value:
                snake.add(choice.value)
    rules = frozenset(rule.id for rule in kb.rules)
    return frozenset(snake), rules


_SNAKE = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z]+)+(?![\w/])")
_RULE = re.compile(r"(?<![\w.-])[a-z]+\.[a-z0-9]+(?:-[a-z0-9]+)*(?![\w-])")


def visible_text_of_html(page: str) -> str:
    """The text of an HTML page a reader sees before unfolding anything: no head, styles, scripts, or
    ``<details>`` contents (their ``<summary>`` is kept), and no tags or attributes."""
    page = re.sub(r"<head\b.*?</head>|<style\b.*?</style>|<script\b.*?</script>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<details\b[^>]*>\s*<summary\b[^>]*>(.*?)</summary>.*?</details>", r" \1 ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def visible_text_of_markdown(text: str) -> str:
    """Markdown as a reader sees it rendered: ``<details>`` blocks folded away, escapes undone."""
    return re.sub(r"\\(.)", r"\1", visible_text_of_html(text))


def unfolded_text(text: str) -> str:
    """Plain text up to its technical details (a line that starts with 'Technical details')."""
    kept = []
    for line in text.splitlines():
        if line.strip().startswith("Technical details"):
            break
        kept.append(line)
    return "\n".join(kept)


def machine_forms(text: str) -> list[str]:
    """Every form in ``text`` a person should not have to read, each as 'what: "the text around it"'."""
    snake, rules = _ids()
    found: list[str] = []

    def note(what: str, match: re.Match[str]) -> None:
        start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
        found.append(f'{what}: "{" ".join(text[start:end].split())}"')

    for pattern, what in FIXED:
        for match in pattern.finditer(text):
            note(what, match)
    for match in _SNAKE.finditer(text):
        if match.group() in snake:
            note("a snake_case id", match)
    for match in _RULE.finditer(text):
        if match.group() in rules:
            note("a rule id", match)
    return found
