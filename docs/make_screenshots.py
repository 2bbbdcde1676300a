"""Page 1 of the printed site-visit brief for two bundled examples, as PNG files in docs/.

Re-run after changing the brief (needs Debian's chromium and the docs extra: pip install -e '.[docs]'):

    python docs/make_screenshots.py

Each brief is printed to A4 PDF by headless Chromium, as a consultant would print it, and page 1 of the PDF
is rasterized, so the picture shows the printed layout rather than the screen layout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mbt_advisor import Advisor, example_path, load_profile
from mbt_advisor.rendering.brief import render_brief

EXAMPLES = ("merger", "adolescent-startup")
DOCS = Path(__file__).resolve().parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer"]


def print_to_pdf(html: Path, pdf: Path, workdir: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={workdir / 'profile'}", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> None:
    import pypdfium2

    advisor = Advisor()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in EXAMPLES:
            html, pdf = workdir / f"{name}.html", workdir / f"{name}.pdf"
            html.write_text(render_brief(load_profile(example_path(name)), advisor, "html"), encoding="utf-8")
            print_to_pdf(html, pdf, workdir)
            document = pypdfium2.PdfDocument(pdf)
            target = DOCS / f"brief-{name}-page1.png"
            document[0].render(scale=1.25).to_pil().save(target, optimize=True)
            print(f"{target.relative_to(DOCS.parent)}: page 1 of {len(document)}")
            document.close()


if __name__ == "__main__":
    main()
