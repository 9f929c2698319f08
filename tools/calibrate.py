#!/usr/bin/env python3
"""Measure this host's machine profile for gilsim: tools/gilsim_tools/calibrate.py.

A thin launcher, like realize.py: process-start figures with "spawn" and "forkserver" re-run
this file in the child (a forkserver once, in the server), so what they measure is an
interpreter start plus the import of gilsim_tools.workload, whose functions the children run."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__mp_main__":
    # a pool's children unpickle their calls from gilsim_tools.workload: a forkserver imports
    # it once, before it forks them, as realize.py's does
    import gilsim_tools.workload  # noqa: F401
elif __name__ == "__main__":
    from gilsim_tools.calibrate import main
    sys.exit(main(sys.argv[1:]))
