"""The build-time compiler of the bundled rule base: ``python -m mbt_advisor.compiled --write``.

It loads and checks rules/ and knowledge/ in full, evaluates every documented case (for similar cases) and
draws the brief's one knowledge-only chart, then writes ``mbt_advisor/compiled_tables.json`` and
``mbt_advisor/compiled_knowledge.json`` (``build.py``). Nothing here runs when the package is used: the
runtime reads those files through ``mbt_advisor.rulebase.artifact``, which knows nothing of this package.

May import: every core subpackage below it (common, profile, engine, rulebase, assessment, rendering); never
the questions, the wizard, the web or the command line.
"""
