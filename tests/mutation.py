"""Mutation testing of the modules that decide what may reach a patient (`make mutate`).

mutmut (pinned in the dev extras; its settings are [tool.mutmut] in pyproject.toml) changes one
thing at a time in these modules (a comparison, a constant, a branch, a call's argument) and
runs the fast tests that reach the changed function; a change that no test notices survives.
This runs it over SCOPE, or over the modules named, and prints each module's score: the share
of its mutants that a test killed. A mutant that runs past its time counts as killed; one that
no test reaches counts as survived.

usage: python tests/mutation.py [MODULE ...]    (e.g. consentgen.checks.parity)
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
# Mutant names are module.function__mutmut_N (a method: module.xǁClassǁmethod__mutmut_N).
SCOPE = [
    "consentgen.checks.*",  # the release gate
    "consentgen.build.release.*",
    "consentgen.verify.*",
    "consentgen.i18n.review.*",  # the review fingerprint
    "consentgen.render.lockdown.*",
    # The placeholder filling (the rest of the module compiles catalogs).
    "consentgen.i18n.translations.x_fill__mutmut_*",
    "consentgen.i18n.translations.x__placeholders__mutmut_*",
    "consentgen.i18n.translations.x_placeholder_problems__mutmut_*",
    "consentgen.i18n.translations.x_refused__mutmut_*",
]
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}
TARGET = 85.0


def patterns_for(modules: list[str]) -> list[str]:
    """The mutant name patterns of the modules named, within SCOPE; all of SCOPE if none."""
    if not modules:
        return SCOPE
    patterns = []
    for module in modules:
        own = [p for p in SCOPE if p.startswith(f"{module}.x")]
        if not own and any(fnmatch.fnmatch(f"{module}.x_", p) for p in SCOPE):
            own = [f"{module}.*"]
        if not own:
            raise SystemExit(f"{module}: not a module of the mutation testing scope")
        patterns += own
    return patterns


def results(patterns: list[str]) -> dict[str, dict[str, str]]:
    """module -> mutant name -> status, from mutmut's records, for the names in patterns."""
    from mutmut.stats import status_by_exit_code

    found: dict[str, dict[str, str]] = {}
    for meta in sorted(MUTANTS.glob("consentgen/**/*.py.meta")):
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        for name, code in codes.items():
            if any(fnmatch.fnmatch(name, p) for p in patterns):
                module = name.rsplit(".", 1)[0]
                found.setdefault(module, {})[name] = status_by_exit_code[code]
    return found


def report(found: dict[str, dict[str, str]]) -> bool:
    """Print each module's score and its survivors; True when every module reaches TARGET."""
    total = Counter[str]()
    ok = True
    for module, statuses in sorted(found.items()):
        counts = Counter("caught" if s in CAUGHT else s for s in statuses.values())
        checked = sum(n for s, n in counts.items() if s != "not checked")
        score = 100 * counts["caught"] / checked if checked else 0.0
        ok &= score >= TARGET
        total.update(counts)
        print(f"{module:<40} {counts['caught']:>4} of {checked:>4} killed  {score:5.1f}%")
        for name, status in sorted(statuses.items()):
            if status not in CAUGHT and status != "not checked":
                print(f"    {status}: {name}")
    checked = sum(n for s, n in total.items() if s != "not checked")
    score = 100 * total["caught"] / checked if checked else 0.0
    print(f"{'all':<40} {total['caught']:>4} of {checked:>4} killed  {score:5.1f}%")
    if total["not checked"]:
        print(f"({total['not checked']} mutants not checked: run again)")
    return ok and checked > 0


def main(modules: list[str]) -> int:
    patterns = patterns_for(modules)
    shutil.rmtree(MUTANTS, ignore_errors=True)  # mutmut's copy of the code and tests: afresh
    MUTANTS.mkdir()
    mutmut = Path(sys.executable).with_name("mutmut")
    with (MUTANTS / "mutmut.log").open("w") as log:
        run = subprocess.run(
            [str(mutmut), "run", "--max-children", "2", *patterns],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if run.returncode != 0:
        print(f"mutmut failed (exit {run.returncode}): see {MUTANTS / 'mutmut.log'}")
        return 2
    return 0 if report(results(patterns)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
