"""How the server is reached when it is shared: the public address behind a reverse proxy (``--public-url``)
and the proxies whose forwarded headers are believed (``--forwarded-allow-ips``). Both are used by the access
guard only (security.py), the one place every request passes.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from mbt_advisor.common.errors import InputError

PUBLIC_URL_ENV = "MBT_ADVISOR_PUBLIC_URL"
FORWARDED_ENV = "MBT_ADVISOR_FORWARDED_ALLOW_IPS"
FORWARDED_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip")


@dataclass(frozen=True)
class Site:
    """``public_url``: ``https://host[:port]`` as people open it; ``forwarded_allow_ips``: the addresses or
    networks of the reverse proxy (none: X-Forwarded-* headers are never believed)."""

    public_url: str | None = None
    forwarded_allow_ips: tuple[str, ...] = ()

    @property
    def public_host(self) -> str | None:
        """The Host header the proxy passes on for the public address (``mbt.example.org`` or with a port)."""
        return urlsplit(self.public_url).netloc.lower() if self.public_url else None

    @property
    def public_origin(self) -> str | None:
        return self.public_url.rstrip("/").lower() if self.public_url else None

    @property
    def https(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def shared(self) -> bool:
        """Declared to be reached through a proxy: as with an address beyond loopback, an admin must exist."""
        return bool(self.public_url or self.forwarded_allow_ips)

    def environment(self) -> dict[str, str]:
        """What the worker processes of ``serve --workers N`` read back with :func:`site_from_environment`."""
        return {PUBLIC_URL_ENV: self.public_url or "", FORWARDED_ENV: ",".join(self.forwarded_allow_ips)}


def parse_public_url(value: str | None) -> str | None:
    """``https://host[:port]`` (a trailing / allowed); no path, query or user: the application lives at /."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    problem = None
    if parts.scheme != "https":
        problem = "must start with https:// (the profiles describe real teams: never serve them over plain HTTP)."
    elif not parts.hostname or parts.username or parts.password:
        problem = "needs a host name, and nothing else before it."
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        problem = "the application is served at the root of its address: give no path, query or fragment."
    else:
        try:
            _ = parts.port
        except ValueError:
            problem = "has a port that is not a number from 1 to 65535."
    if problem:
        raise InputError(problem, source=f"--public-url {value}", allowed="https://HOST or https://HOST:PORT")
    return f"https://{parts.netloc.lower()}"


def parse_forwarded_allow_ips(value: str | None) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (``127.0.0.1``, ``10.0.0.0/24``, ``::1``); never ``*``."""
    if not value:
        return ()
    found = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item == "*":
            raise InputError(
                "'*' would believe any client that claims to be a proxy (its address and HTTPS); name the "
                "proxy's addresses.",
                source="--forwarded-allow-ips",
                allowed="IP addresses or networks, comma-separated (127.0.0.1, 10.0.0.0/24, ::1)",
            )
        try:
            found.append(str(ipaddress.ip_network(item, strict=True) if "/" in item else ipaddress.ip_address(item)))
        except ValueError:
            raise InputError(
                f"'{item}' is not an IP address or network.",
                source="--forwarded-allow-ips",
                allowed="IP addresses or networks, comma-separated (127.0.0.1, 10.0.0.0/24, ::1)",
            ) from None
    return tuple(found)


def site_from_environment() -> Site:
    return Site(
        parse_public_url(os.environ.get(PUBLIC_URL_ENV)), parse_forwarded_allow_ips(os.environ.get(FORWARDED_ENV))
    )
