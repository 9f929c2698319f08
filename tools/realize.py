#!/usr/bin/env python3
"""Run a gilsim scenario for real in CPython and measure it: tools/gilsim_tools/realize.py.

A thin launcher: a process-pool worker started with "spawn" (or a forkserver) runs this file
again as __mp_main__, so it is kept to a few lines; that is also where a scenario's import_time
is spent (tools/gilsim_tools/workload.py, spin_for_import)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__mp_main__":
    from gilsim_tools.workload import spin_for_import
    spin_for_import()
elif __name__ == "__main__":
    from gilsim_tools.realize import main
    sys.exit(main(sys.argv[1:]))
