"""`report --format pdf`: the brief as a PDF through WeasyPrint (the optional extra `mbt-advisor[pdf]`), the same
pages as the printed HTML and no browser's header or footer; without the extra, one line and exit 2."""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


needs_weasyprint = pytest.mark.skipif(
    not weasyprint_works() and os.environ.get("CI", "").lower() not in {"1", "true"},
    reason="needs WeasyPrint and Debian's pango (pip install 'mbt-advisor[pdf]'); CI installs both",
)


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


@needs_weasyprint
def test_the_pdf_brief_has_page_one_first_and_no_browser_header(tmp_path: Path) -> None:
    out = tmp_path / "brief.pdf"
    result = runner.invoke(app, ["report", "--example", "merger", "--format", "pdf", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    pages = pdf_pages(out)
    assert 2 <= len(pages) <= 10  # Chromium prints the same HTML in 8 (tests/test_report.py); fonts differ
    first = " ".join(pages[0].split())
    assert "Harbour Clinic" in first
    assert "most urgent actions" in first and "questions to ask on the visit" in first
    assert "Interview guide" not in first
    text = " ".join(pages)
    assert "file://" not in text and "Site-visit brief:" not in text.split("\n")[0]
    assert any("Interview guide" in page for page in pages[1:])


@needs_weasyprint
def test_the_pdf_with_the_previous_visit_shows_the_change_on_page_one(tmp_path: Path) -> None:
    from mbt_advisor import example_path

    out = tmp_path / "brief.pdf"
    args = ["report", "--example", "merger", "--previous", str(example_path("riverside")), "--format", "pdf"]
    result = runner.invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Since the last visit" in pdf_pages(out)[0]


def test_without_the_extra_it_is_one_line_exit_2_and_nothing_written(monkeypatch, tmp_path: Path) -> None:
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    out = tmp_path / "brief.pdf"
    result = runner.invoke(app, ["report", "--example", "merger", "--format", "pdf", "--output", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "pip install 'mbt-advisor[pdf]'" in message


def test_a_pdf_goes_to_a_file_not_a_terminal() -> None:
    result = runner.invoke(app, ["report", "--example", "merger", "--format", "pdf"])
    assert result.exit_code == 2
    assert "--output" in result.stderr
