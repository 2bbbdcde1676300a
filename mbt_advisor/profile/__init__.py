"""A unit's profile: the one record of every profile field (``model``: section, level, description, what
it may hold), the strict value types (``field_types``), reading and validating a file (``loading``,
``validation``: one ProfileError naming file, line, field, what is allowed), how an answer is shown
(``values``) and random valid profiles for tests and benchmarks (``generate``).

May import: ``mbt_advisor.common``.
"""
