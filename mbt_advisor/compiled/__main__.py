"""``python -m mbt_advisor.compiled --write`` (or ``--check``): see ``build.main``."""

from mbt_advisor.compiled.build import main

raise SystemExit(main())
