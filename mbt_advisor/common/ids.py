"""Looking up an id a person typed (a rule, a case, an example): case does not matter, a near miss is named."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from mbt_advisor.common.errors import InputError


def find_id(
    given: str,
    known: Iterable[str],
    *,
    what: str,
    source: str,
    hint: str = "",
    allowed: str | None = None,
    error: type[InputError] = InputError,
) -> str:
    """The known id equal to ``given`` ignoring case; otherwise ``error`` naming the closest id."""
    ids = list(known)
    folded = {name.casefold(): name for name in ids}
    if given.casefold() in folded:
        return folded[given.casefold()]
    close = difflib.get_close_matches(given.casefold(), sorted(folded), n=1, cutoff=0.6)
    suggestion = f" Did you mean '{folded[close[0]]}'?" if close else ""
    raise error(f"no {what} '{given}'.{suggestion}{' ' + hint if hint else ''}", source=source, allowed=allowed)
