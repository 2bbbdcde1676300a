"""The few words the wizard and its prompters share, kept apart from the models so that a command's
`--help` loads no pydantic model: the markers for "back" and "don't know", and how a share is shown."""

from __future__ import annotations

BACK = "<back>"  # the founder goes back to the previous question
SKIP = "<skip>"  # the founder does not know: the field stays unknown


def show_share(value: float) -> str:
    """0.6 -> "60%"."""
    return f"{value * 100:g}%"
