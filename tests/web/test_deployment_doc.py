"""docs/deployment.md is real: every `mbt-advisor ...` command line in its code blocks parses with the real
command line (as Click parses it before running, with the values serve checks itself), and, where the tools are
installed, the nginx configuration passes `nginx -t` and the systemd unit `systemd-analyze verify` (CI does
not install them: skipped there)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from mbt_advisor.cli.main import app as cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
COMMAND = re.compile(r"(?:^|\s|ExecStart=)(?:\S*/bin/)?mbt-advisor\s+(.+)$")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def command_lines() -> list[list[str]]:
    """The arguments after `mbt-advisor` on every line of the doc's shell and systemd blocks."""
    found = []
    for block in blocks("bash") + blocks("ini"):
        for line in block.replace("\\\n", " ").splitlines():
            if match := COMMAND.search(line):
                found.append(shlex.split(match.group(1), comments=True))
    return found


def parse(args: list[str]) -> Any:
    """Click's own parsing of ``args`` down to the command (types, choices, required options), without running
    it; returns the command's context."""
    command = typer.main.get_command(cli)
    try:
        ctx = command.make_context("mbt-advisor", list(args))
        while hasattr(command, "resolve_command"):
            rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
            if not rest:
                rest = [*ctx.protected_args, *ctx.args]
            name, command, rest = command.resolve_command(ctx, rest)
            ctx = command.make_context(name, rest, parent=ctx)
    except typer.Exit as done:  # an eager option such as --version
        assert done.exit_code == 0
        return None
    return ctx


def test_every_mbt_advisor_command_in_the_deployment_doc_parses() -> None:
    from mbt_advisor.web.settings.site import parse_forwarded_allow_ips, parse_public_url
    from mbt_advisor.web.storage.audit import check_action, parse_since

    lines = command_lines()
    commands = set()
    for args in lines:
        ctx = parse(args)
        if ctx is None:
            continue
        commands.add(ctx.command_path.removeprefix("mbt-advisor "))
        if ctx.info_name == "serve":  # the values serve checks itself, before it starts
            assert parse_public_url(ctx.params["public_url"]) == "https://mbt.example.org"
            assert parse_forwarded_allow_ips(ctx.params["forwarded_allow_ips"]) == ("127.0.0.1",)
        if ctx.info_name == "audit":
            check_action(ctx.params["action"])
            parse_since(ctx.params["since"])
    assert {"serve", "users add", "users grant", "users list", "db backup", "db restore", "audit"} <= commands
    assert len(lines) >= 12


def test_the_check_fails_on_a_command_that_does_not_exist() -> None:
    with pytest.raises(Exception, match="no command"):
        parse(["users", "promote", "ada"])
    with pytest.raises(Exception, match="--hots"):
        parse(["serve", "--hots", "127.0.0.1"])


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl not installed")
def test_the_nginx_configuration_is_valid(tmp_path: Path) -> None:
    (site,) = blocks("nginx")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=mbt.example.org", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    site = site.replace("/etc/letsencrypt/live/mbt.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/mbt.example.org/privkey.pem", str(key))
    temp = "\n".join(
        f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}\n{site}\n}}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    warnings = [line for line in checked.stderr.splitlines() if "[warn]" in line and "http2" not in line]
    assert "syntax is ok" in checked.stderr and not warnings, checked.stderr  # nginx >= 1.25 prefers `http2 on;`


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    (unit,) = blocks("ini")
    unit = unit.replace("/opt/mbt-advisor/bin/mbt-advisor", sys.executable)  # verify wants an executable there
    if not any(Path(d, "postgresql.service").exists() for d in ("/lib/systemd/system", "/usr/lib/systemd/system")):
        unit = unit.replace("postgresql.service", "network.target")  # a machine without Debian's postgresql
    unit_file = tmp_path / "mbt-advisor.service"
    unit_file.write_text(unit, encoding="utf-8")
    checked = subprocess.run(["systemd-analyze", "verify", str(unit_file)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
