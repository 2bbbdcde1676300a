"""The other questions asked of an assessment, each a function over an ``Advisor`` (the bundled one when
none is given): how each recommendation was reached (``explanation``), the smallest changes that lower the
risk (``whatif``), what changed between two visits (``comparison``), many profiles at once (``batch``) and
the risk index checked against the documented outcomes (``calibration``).

May import: ``mbt_advisor.common``, ``profile``, ``engine``, ``rulebase``, ``assessment``.
"""
