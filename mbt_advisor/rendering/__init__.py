"""Showing what the library computed: JSON, plain text and Markdown of an assessment and of the other
questions and listings (``formats``), the consultant's site-visit brief (``brief``, with the Jinja templates
in ``mbt_advisor/templates/``) and its chart (``chart``, drawn with matplotlib). Answers and cases are put in
the question bank's words by ``mbt_advisor.rulebase.words``, the one definition every layer above shares.

May import: ``mbt_advisor.common``, ``profile``, ``engine``, ``rulebase``, ``assessment``, ``questions``.
"""
