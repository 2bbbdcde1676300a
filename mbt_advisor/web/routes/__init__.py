"""The pages and the JSON API: the portfolio, units and visits (``pages``, with ``chart``: the SVG of a
unit's risk over its visits), the questionnaire (``questionnaire``), signing in and tokens (``signin``), the
audit trail for admins (``audit_routes``) and ``/api/v1`` (``api``); each reads its request through
``context`` (the web state, the signed-in account, the page response), never through the application.

May import: the library, and the web's ``settings``, ``storage``, ``access``.
"""
