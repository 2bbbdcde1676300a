"""Sentences the tool shows say no more than the source: Table 4 halves as the source writes them, the
determinant slide's X never called a count of cases."""

import re

from mbt_advisor import Advisor
from mbt_advisor.rulebase.words import table4_form


def test_a_table4_half_is_written_as_the_source_writes_it() -> None:
    assert (table4_form(2.5), table4_form(6.5), table4_form(5.5), table4_form(7.0)) == ("2/3", "6/7", "5/6", "7")


def test_the_rating_help_quotes_table4_in_the_source_form(advisor: Advisor) -> None:
    help_text = advisor.kb.questions["ratings.implementation_plan"].help
    assert "rated 6 before the reorganization and 2/3 during it" in help_text
    assert "2.5" not in help_text


def test_no_help_text_calls_the_determinant_count_a_number_of_cases(advisor: Advisor) -> None:
    for field, question in advisor.kb.questions.items():
        assert not re.search(r"named in \d+ cases", question.help or ""), field
