"""Schemathesis against a real `mbt-advisor serve` (slow tier): requests generated from the OpenAPI document the
server itself serves, valid ones and invalid ones, sent with an administrator's token and with a founder's, must
never get a 5xx, and every answer must be what the document says (its status code listed, its body matching the
schema of that status: the one error shape for every error).

Bounded: a fixed number of examples per operation, mode and account, and a time budget. The valid requests of
both accounts always run in full; the invalid ones stop, with a warning saying how far they got, when the budget
is spent (a loaded machine: 2 cores shared by many processes). It runs offline (the document comes from the
server on loopback)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.web.access import accounts
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.db import open_database

from .live import running_server

pytestmark = pytest.mark.slow
EXAMPLES = 20  # per operation, generation mode and account
BUDGET = 75.0  # seconds; after it, no more invalid requests are started
PASSWORD = "correct horse battery"


def shared_portfolio(path: Path) -> dict[str, str]:
    """Two units from the bundled examples, an administrator and a founder of the first unit; their tokens."""
    engine, sessions = open_database(f"sqlite:///{path}")
    from mbt_advisor.assessment.advisor import default_advisor

    advisor = default_advisor()
    tokens = {}
    with sessions.begin() as session:
        for name in ("riverside", "merger"):
            text = example_path(name).read_text(encoding="utf-8")
            profile = store.parse_profile(text, name)
            unit = store.create_unit(session, profile.organization.name)
            store.add_visit(session, unit, text, advisor)
        for user, role, units in (("ada", "admin", ()), ("fran", "founder", (1,))):
            account = accounts.add_user(session, user, role, PASSWORD, units)
            tokens[role] = accounts.create_api_token(session, account.id, f"{user}'s schemathesis")
    engine.dispose()
    return tokens


def test_generated_requests_get_no_server_error_and_only_documented_answers(tmp_path: Path) -> None:
    import schemathesis

    database = tmp_path / "shared.sqlite3"
    tokens = shared_portfolio(database)
    start = time.monotonic()
    sent = 0
    with running_server(database) as url:
        admin = {"authorization": f"Bearer {tokens['admin']}"}
        schema = schemathesis.openapi.from_url(f"{url}api/v1/openapi.json", timeout=30, headers=admin)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for role, token in tokens.items():
                for operation in operations:
                    if mode.is_negative and time.monotonic() - start > BUDGET:
                        warnings.warn(
                            f"schemathesis: the budget ran out at {role}'s invalid requests, after {sent}", stacklevel=1
                        )
                        return
                    try:
                        sent += fuzz(operation, mode, url.rstrip("/"), {"authorization": f"Bearer {token}"})
                    except Exception as failure:
                        raise AssertionError(f"{role}, {mode.value}, {operation.label}: {failure}") from None
    print(f"schemathesis: {sent} requests in {time.monotonic() - start:.1f} s")  # noqa: T201 - the slow tier's report


def fuzz(operation: Any, mode: Any, base_url: str, headers: dict[str, str]) -> int:
    """Send up to EXAMPLES generated requests to one operation; returns how many were sent."""
    import hypothesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    sent = 0

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=checks, timeout=30)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        assert mode.value == "negative"  # an operation without parameters or body: nothing to make invalid
    return sent
