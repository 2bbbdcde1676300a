"""The visit page shows what to protect, with the evidence apart from our reading (issue 26)."""

from __future__ import annotations

from .conftest import add_unit_from_example


def test_a_visit_page_names_the_units_strengths_and_what_protects_them(client) -> None:
    unit = add_unit_from_example(client, "riverside")
    page = client.get(f"/units/{unit}").text
    visit = page.split(f"/units/{unit}/visits/", 1)[1].split('"', 1)[0].split("/", 1)[0]
    page = client.get(f"/units/{unit}/visits/{visit}").text
    section = page.split('<section id="strengths">', 1)[1].split("</section>", 1)[0]
    assert "What to protect" in section and "Higher management backs the programme" in section
    assert "F, Table 1: strong support from higher management" in section
    assert "<strong>Our reading:</strong>" in section
    assert "Keep the same managers responsible through a reorganization" in section
    # our reading of a case is never shown as a strength's evidence (third fidelity read, F3): Table 4's
    # 'sound financial management' is read as bearing on the training budget
    budget = section.split("Training is budgeted", 1)[1].split("</li>\n</ul>", 1)[0]
    assert "B, Table 1: sufficient budget for training" in budget
    assert "sound financial management" not in budget.split("<strong>Our reading:</strong>", 1)[0]
