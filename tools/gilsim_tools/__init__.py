"""Shared code of gilsim's Python tools (calibrate.py, realize.py, validate.py): standard library
only.  The scripts in tools/ are thin launchers, so that a worker process started with "spawn"
or "forkserver", which re-runs the main script, compiles a few lines and not the whole tool."""
