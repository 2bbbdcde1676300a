"""Who may reach the server: beyond this computer (another address than loopback, or through a reverse
proxy) only when an admin account protects the data, because the profiles describe real teams.

May import: the web's settings, storage and the rest of access.
"""

from __future__ import annotations

from pathlib import Path

from mbt_advisor.web.settings.config import is_loopback
from mbt_advisor.web.settings.site import Site


class BindRefused(ValueError):
    """Asked to listen on an address other computers can reach, without accounts to protect the data."""


def check_bind(host: str, url: str | None = None) -> None:
    """Refuse any address but loopback unless the database at ``url`` has an admin account: without accounts,
    anyone who can reach the server sees every unit."""
    if is_loopback(host) or (url is not None and _admin_exists(url)):
        return
    raise BindRefused(
        f"--host {host}: refusing to listen beyond this computer, because the profiles describe real teams "
        "and no admin account protects them (add one: mbt-advisor users add NAME --role admin). "
        "Allowed without accounts: 127.0.0.1, ::1 or localhost."
    )


def _admin_exists(url: str) -> bool:
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return False  # no database yet: no account (and none is created just to look)
    from mbt_advisor.web.access.accounts import admin_exists
    from mbt_advisor.web.storage.db import open_database

    engine, sessions = open_database(url)
    try:
        with sessions() as session:
            return admin_exists(session)
    finally:
        engine.dispose()


def check_shared(site: Site, url: str) -> None:
    """A server declared to be reached through a proxy needs an admin account, like one listening beyond
    loopback: without accounts, everyone the proxy lets in would see every unit."""

    if site.shared and not _admin_exists(url):
        option = "--public-url" if site.public_url else "--forwarded-allow-ips"
        raise BindRefused(
            f"{option}: refusing to serve through a reverse proxy, because the profiles describe real teams and no "
            "admin account protects them (add one: mbt-advisor users add NAME --role admin)."
        )
