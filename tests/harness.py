"""The shared main() of the command-line test scripts: takes the gilsim binary's path from the
command line, runs the calling module's unittest tests, and exits 0 only if some ran and all
passed. Not a test itself (ctest runs tests/*_test.py).
"""

import os
import sys
import unittest


def main(module_name, default_binary):
    """Returns the exit status; sets the module's GILSIM to the binary to test."""
    module = sys.modules[module_name]
    binary = os.path.abspath(sys.argv[1]) if len(sys.argv) == 2 else default_binary
    if len(sys.argv) > 2 or not os.access(binary, os.X_OK):
        print(f"usage: python3 {sys.argv[0]} path/to/gilsim (no gilsim binary at {binary})",
              file=sys.stderr)
        return 2
    module.GILSIM = binary
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() and result.testsRun else 1
