"""What every layer shares and nothing of the domain: the error types and their one-line messages
(``errors``), reading YAML and JSON safely with the line of every key (``yamlio``), finding an id with a
did-you-mean (``ids``), the one spelling of a stored record's id (``canonical_id``), which files a command
may write (``output_files``), and the strict pydantic base model (``strict``).

May import: nothing of mbt_advisor (PyYAML and pydantic only).
"""
