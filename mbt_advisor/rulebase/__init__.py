"""The rule base and the knowledge: what a rule and each knowledge file may say (``rule_models``,
``knowledge_models``, ``strength_models``, ``directions``, ``readiness``), loading and cross-checking them
(``knowledge_base``, ``field_checks``), reading the artifact compiled at build time (``artifact``; the compiler
that writes it is ``mbt_advisor.compiled``), the bundled example profiles (``examples``), and what ``rules
check`` adds: the linter (``lint``), the figures in prose (``prose_figures``) and the coverage page
(``coverage_doc``); answers, fields and cases in the question bank's words (``words``, the one definition of
them, for every layer above that shows them).

May import: ``mbt_advisor.common``, ``mbt_advisor.profile``, ``mbt_advisor.engine``.
"""
