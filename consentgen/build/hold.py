"""The build's testing hooks, never set in use: an environment variable makes a build stop for
good at an exact moment (until it is killed or interrupted), so that a test can kill it or
press Ctrl+C there however fast the machine is.

CONSENTGEN_TEST_HOLD_COMMIT=N holds just after the Nth file is put in place (commit.py);
CONSENTGEN_TEST_HOLD_RENDER=N holds each process that makes forms just after its Nth form
(pool.py).
"""

from __future__ import annotations

import os
import sys
import time

HOLD_COMMIT = "CONSENTGEN_TEST_HOLD_COMMIT"
HOLD_RENDER = "CONSENTGEN_TEST_HOLD_RENDER"


def hold_if_asked(variable: str, count: int, done: str) -> None:
    """Stop here for good, saying so on stderr, when the variable names this count."""
    if os.environ.get(variable, "") == str(count):
        print(f"holding after {count} {done} ({variable})", file=sys.stderr)
        sys.stderr.flush()
        while True:
            time.sleep(60)
