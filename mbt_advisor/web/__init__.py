"""mbt-advisor in the browser: the founder's questionnaire, the consultant's portfolio of units and visits,
and a JSON API (``mbt-advisor serve``).

A thin layer over the library: every assessment, what-if, explanation, comparison and brief comes from the
same public API as the command line. Imported only by ``serve`` and ``db``, so the rest of the tool does not
pay for the web stack.
"""
