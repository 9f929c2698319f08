#!/usr/bin/env python3
"""Where a real program's threads waited for a core: tools/gilsim_tools/run_queue.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from gilsim_tools.run_queue import main
    sys.exit(main(sys.argv[1:]))
