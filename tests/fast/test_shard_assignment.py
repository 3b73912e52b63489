"""`build --shard I/N` on several runners: each runner is its own process, with its own hash
seed, so the shard a form belongs to must come from a stable digest of its name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from consentgen.build.plan import in_shard

KEYS = [
    f"{code}/proc{n}/{variant}"
    for code in ("en", "es", "ar", "zh_Hant")
    for n in range(40)
    for variant in ("standard", "large-print")
]
COUNTS = (2, 3, 5, 7)
# Computed once and written down: a change of digest would move forms between runners of
# different versions, and every runner must agree with these.
PINNED = {
    "es/proc0/standard": {2: 1, 3: 2, 5: 1, 7: 3},
    "en/kyphoplasty/standard": {2: 2, 3: 3, 5: 5, 7: 5},
    "ar/kyphoplasty/large-print": {2: 1, 3: 3, 5: 4, 7: 3},
}

_SCRIPT = """
import json, sys
from consentgen.build.plan import in_shard
keys, counts = json.loads(sys.stdin.read())
print(json.dumps({k: {n: [i for i in range(1, n + 1) if in_shard(k, (i, n))] for n in counts}
                  for k in keys}))
"""


def _owners_in_a_process(seed: str) -> dict[str, dict[str, list[int]]]:
    """Which shard owns each key, computed by a separate Python with the given hash seed."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps([KEYS, COUNTS]),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    owners: dict[str, dict[str, list[int]]] = json.loads(result.stdout)
    return owners


def test_every_form_belongs_to_exactly_one_shard() -> None:
    for count in (1, *COUNTS):
        for key in KEYS:
            assert sum(in_shard(key, (i, count)) for i in range(1, count + 1)) == 1, (key, count)


def test_every_shard_gets_forms() -> None:
    for count in COUNTS:
        sizes = [sum(in_shard(key, (i, count)) for key in KEYS) for i in range(1, count + 1)]
        assert min(sizes) > len(KEYS) / count / 2, (count, sizes)


def test_runners_with_different_hash_seeds_agree() -> None:
    first, second = _owners_in_a_process("1"), _owners_in_a_process("2")
    assert first == second
    here = {
        k: {str(n): [i for i in range(1, n + 1) if in_shard(k, (i, n))] for n in COUNTS}
        for k in KEYS
    }
    assert first == here


def test_the_assignment_is_the_one_written_down() -> None:
    for key, owners in PINNED.items():
        for count, index in owners.items():
            assert in_shard(key, (index, count)), (key, count, index)
