"""Who may do what: the one guard every request passes (``security``: Host, Origin, body size, CSRF, who
signs in), accounts, sessions and tokens (``accounts``), the decision where the data is read (``decisions``:
every route obtains a unit, visit, questionnaire or token through ``obtain``, or is refused), the one spelling
of an id in a path (``canonical_ids``), the one error body a refusal gets (``error_body``), and when the server
may be reached beyond this computer (``exposure``).

May import: the library, and the web's ``settings`` and ``storage``.
"""
