"""The web application's settings, read from options and the environment: where the data lives (the database
URL, the data folder, the largest request body) and where the server listens (``config``), and its public
address and trusted proxies behind a reverse proxy (``site``).

May import: ``mbt_advisor.common`` only (nothing else of the web).
"""
