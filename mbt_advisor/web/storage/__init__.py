"""What the web application keeps: the tables (``models``), opening and migrating a database (``db``,
``migrate``, with the alembic scripts in ``mbt_advisor/web/migrations/``), the audit trail written in the same
transaction as the change it records (``audit``), units, visits and questionnaire drafts (``store``, with
``summary``: what the pages read of a stored assessment), and the data's own commands: ``backup`` and restore,
``move`` to another database, and copying a SQLite file (``sqlite_copy``).

May import: the library, and the web's ``settings``.
"""
