"""The one base of every model in mbt-advisor: frozen, and strict about keys (a typo is an error)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
