"""The console entry point, kept light so that Ctrl-C is handled from the first moment.

Everything heavy (typer, pydantic, the engine) is imported inside ``run``, where an interrupt ends the run
with one line and status 130 instead of a traceback; SIGTERM ends it the same way with status 143, after
the usual clean-up (a temporary output file is removed).
"""

from __future__ import annotations

import os
import signal
import sys


def _terminate(signum: int, frame: object) -> None:
    sys.stderr.write("mbt-advisor: terminated\n")
    raise SystemExit(128 + signum)


def run() -> None:
    """Run the command line: never a traceback for an interrupted or terminated run."""
    try:
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, _terminate)
        _matplotlib_config_dir()
        _one_blas_thread()
        from .io import prepare_stdout
        from .main import app

        prepare_stdout()
        try:
            app()
        finally:  # the work is done (or failed): an interrupt now would only garble the exit
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        sys.stderr.write("mbt-advisor: interrupted\n")
        sys.stderr.flush()
        # Exit now, with 130: an interrupt that lands inside an import can leave the interpreter marked as
        # interrupted, and a normal exit would then end by SIGINT (-2) instead. Clean-up registered with
        # atexit (the private matplotlib folder) still runs; nothing else is pending at this point.
        import atexit

        atexit._run_exitfuncs()
        os._exit(130)


def _matplotlib_config_dir() -> None:
    """Give matplotlib (the brief's chart) a private folder when its usual config or cache folder cannot
    be written (HOME read-only or missing), for this process only, so that it prints no warnings about
    it. A user's own MPLCONFIGDIR is left alone; importing the library sets nothing."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        home = os.path.expanduser("~")
        bases = (
            os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
            os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
        )
        if all(_can_create(os.path.join(base, "matplotlib")) for base in bases):
            return
        import atexit
        import shutil
        import tempfile

        private = tempfile.mkdtemp(prefix="mbt-advisor-matplotlib-")
    except (OSError, RuntimeError):
        return
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = private


def _one_blas_thread() -> None:
    """Ask numpy's OpenBLAS (loaded under matplotlib, for a rated unit's chart) for one thread, for this
    process only. At import it starts one thread per core, about 0.1 s of CPU on two cores (measured:
    importing matplotlib's figure and SVG canvas took 0.57 s CPU with them, 0.45 s without), and the chart's
    3x3 transforms never use them. A user's own setting is left alone; importing the library sets nothing."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _can_create(folder: str) -> bool:
    """Whether ``folder`` exists as a writable folder or could be made inside its nearest existing parent."""
    existing = folder
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    return os.path.isdir(existing) and os.access(existing, os.W_OK | os.X_OK)
