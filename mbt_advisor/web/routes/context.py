"""What a route reads of its request, below both the routes and the application that assembles them: the
``Web`` state (database sessions, the Advisor, the templates, the public address) kept on ``app.state.web``,
the signed-in account the access guard let through, and the page response (``render``, ``see_other``).

May import: the web's settings, storage and access (never a route module or the application).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mbt_advisor._version import __version__
from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.rendering.formats import NO_EVIDENCE
from mbt_advisor.web.settings.site import Site


@dataclass
class Web:
    """What every route needs, kept on ``app.state.web``."""

    engine: Engine
    sessions: sessionmaker[Session]
    advisor: Advisor
    url: str
    label: str
    templates: Any
    site: Site = field(default_factory=Site)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back (nothing stored) on any error."""
        with self.sessions.begin() as session:
            yield session


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def principal_of(request: Request) -> Any:
    """The signed-in account (accounts.Principal) the access guard let through, or None without accounts."""
    return request.scope.get("state", {}).get("principal")


def member_of_new_unit(request: Request) -> int | None:
    """The account that becomes a member of a unit it creates (a consultant; an admin sees all anyway)."""
    principal = principal_of(request)
    return principal.user_id if principal is not None and principal.role != "admin" else None


def _number(value: Any) -> str:
    """6.0 -> '6', 2.5 -> '2.5', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def page_templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(resources.files("mbt_advisor.web") / "templates")),
        undefined=StrictUndefined,
        autoescape=True,  # every page, whatever the template's name
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.globals["no_evidence"] = NO_EVIDENCE
    env.filters["num"] = _number
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": str}
    return env


# the one-line notices a redirect may ask for (``?notice=KEY``): fixed words, never text from the address
NOTICES = {
    "unit-deleted": "The unit was deleted with its visits and questionnaires; the audit trail records who did it.",
    "visit-deleted": "The visit was deleted; the chart and the portfolio now read the remaining visits.",
    "questionnaire-discarded": "The questionnaire was discarded with its answers; the audit trail records who did it.",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    web = web_of(request)
    principal = principal_of(request)
    state = request.scope.get("state", {})
    # where the data live is for the one local user or an admin, not for a visitor of the sign-in page
    show_database = not state.get("accounts") or (principal is not None and principal.role == "admin")
    html = web.templates.get_template(template).render(
        request=request,
        csrf=state.get("csrf", ""),
        database=web.label if show_database else None,
        principal=principal,
        notice=NOTICES.get(request.query_params.get("notice", "")),
        words=_words(web.advisor.tables),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


class _words:
    """The question bank's words in a template: ``words("organization.setting", unit.setting)`` gives
    'Day hospital (partial hospitalization)'; ``words.choices("organization.setting")`` the (value, label)
    pairs of a form's options (one definition: mbt_advisor.rulebase.words)."""

    def __init__(self, bank: Any) -> None:
        self.bank = bank

    def __call__(self, name: str, value: Any) -> str:
        from mbt_advisor.rulebase.words import value_label

        return value_label(self.bank, name, value)

    def choices(self, name: str) -> list[tuple[Any, str]]:
        question = self.bank.questions.get(name)
        return [(c.value, c.label) for c in question.choices] if question is not None else []


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
