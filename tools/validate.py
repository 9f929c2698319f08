#!/usr/bin/env python3
"""Check gilsim's predictions against real CPython runs: tools/gilsim_tools/validate.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from gilsim_tools.validate import main
    sys.exit(main(sys.argv[1:]))
