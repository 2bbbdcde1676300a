"""The forward-chaining engine, knowing nothing of YAML or the knowledge models: what a field test means
(``conditions``, the one definition shared with the rule models, ``explain --rule`` and the linter), the
rule base as plain data an evaluation reads (``tables``), and the experta compiler that turns those tables
into one engine class and runs a profile through it (``compiler``, importing experta through ``_experta``).

May import: ``mbt_advisor.common``, ``mbt_advisor.profile`` (and experta).
"""
