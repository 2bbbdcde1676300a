"""mbt-advisor in the browser: the founder's questionnaire, the consultant's portfolio of units and visits,
and a JSON API (``mbt-advisor serve``).

A thin layer over the library: every assessment, what-if, explanation, comparison and brief comes from the
same public API as the command line. Imported only by ``serve``, ``db``, ``users`` and ``audit``, so the rest
of the tool does not pay for the web stack. Its own layers, lowest first: ``settings`` (where the data lives,
where the server listens), ``storage`` (the database, the audit trail, units and visits), ``access`` (who may
do what: the guard of every request, accounts), ``routes`` (pages and the JSON API, over a request context)
and ``app.py``, which assembles the application from the routes.

May import: the library (every core subpackage) and the web stack; never the command line or the wizard's
terminal side.
"""
