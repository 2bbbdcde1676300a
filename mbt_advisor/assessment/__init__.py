"""The assessment of one profile: ``Advisor`` (evaluation only: profile in, assessment out), the
assessment's models (``model``: exactly the JSON of the contract), the scores and the risk index
(``scoring``), the closest documented cases (``similarity``) and the evaluation's tables derived from a
checked knowledge base (``rule_tables``).

May import: ``mbt_advisor.common``, ``profile``, ``engine``, ``rulebase``.
"""
