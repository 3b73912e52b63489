"""`make bench`, the builds a forms team runs every day: the bundled project, small.

Prints, as ratios from one run (each timing the best of `--rounds`, taken in turn), each with
its target beside it:
- one procedure x every locale, and the same with the three variants: -j2 against -j1;
- consentgen -j1 against the libraries alone on the same HTML (WeasyPrint's layout, the fields
  and the QR codes, in one process: consentgen's own PDF writer in a loop);
- a no-op rebuild: seconds, and its share of the full build;
- verify of a form signed four times: seconds and peak memory; and of a 200 MB file, past the
  size limit: seconds and peak memory.

    python benchmarks/small.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONSENTGEN = [sys.executable, "-m", "consentgen"]
PROCEDURE = "kyphoplasty"


def copy_project(target: Path) -> Path:
    target.mkdir()
    for name in ("templates", "locales"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def run(project: Path, *args: str, check: bool = True) -> float:
    """Seconds of one consentgen command, run as a person runs it."""
    start = time.perf_counter()
    subprocess.run(
        [*CONSENTGEN, "--project", str(project), *args],
        check=check,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def peak_memory(project: Path, *args: str) -> int:
    """Peak memory (KiB) of one consentgen command: measured from a process of its own, whose
    only child it is (this one's children include every build before it)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [*CONSENTGEN, "--project", str(project), *args]
    out = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True)
    return int(out.stdout.strip())


def libraries_alone(project: Path, htmls: list[Path]) -> float:
    """The same HTML through WeasyPrint, the fields and the QR codes, in one process, with no
    planning, templates, scan, staging or manifest: consentgen's PDF writer in a loop."""
    code = f"""
import sys, time
from pathlib import Path
from consentgen.outputs.pdf import PdfWriter
from consentgen.render.forms import FormContext
writer = PdfWriter(Path({str(project / "templates")!r}))
form = FormContext("BENCH-1", "1.0", "2026-11-28", "2026-11-28T00:00:00Z", "draft")
paths = sys.argv[1:]
start = time.perf_counter()
for path in paths:
    html = Path(path).read_text("utf-8")
    writer.write(html, form, "en", "Latn", path, "0" * 64)
print(time.perf_counter() - start)
"""
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, htmls)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def best(rounds: int, *measures: object) -> list[float]:
    """Each measure's best of `rounds`, taken in turn so a busy moment weighs on no side."""
    results = [float("inf")] * len(measures)
    for _ in range(rounds):
        for index, measure in enumerate(measures):
            results[index] = min(results[index], measure())  # type: ignore[operator]
    return results


def signed_four_times(project: Path, folder: Path) -> Path:
    """The English form, released in the copy, filled in and signed by all four signers."""
    sys.path[:0] = [str(REPO / "tests")]
    from conftest import PATIENT_PART, approve, fill_fields, make_pki, sign  # the tests' own

    approve(project)
    subprocess.run(
        [*CONSENTGEN, "--project", str(project), "build", "--release", "-l", "en", "-f", "pdf",
         "-p", PROCEDURE],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    pki = make_pki(folder)
    data = (project / "build" / "en" / f"{PROCEDURE}.pdf").read_bytes()
    # Each signer fills in their own lines, then signs: a complete form, as verify expects.
    filled_by = {
        "patient": PATIENT_PART,
        "provider": {"provider_name": "Dr Ann Lee"},
        "interpreter": {"interpreter_name": "Luis Ortega", "interpreter_language": "Spanish",
                        "interpreter_in_person": "/Yes"},
        "witness": {"witness_name": "Sam Reed"},
    }  # fmt: skip
    for role, who in (("patient", "patient"), ("provider", "provider"), ("interpreter", "patient"),
                      ("witness", "provider")):  # fmt: skip
        values = {f"{role}_date": "2026-12-07", f"{role}_time": "10:30", **filled_by[role]}
        data = sign(fill_fields(data, values), f"{role}_signature", who, pki)
    path = folder / "signed.pdf"
    path.write_bytes(data)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        project = copy_project(folder / "project")
        one = ["build", "-p", PROCEDURE, "-f", "pdf", "--force"]
        three = [
            *one,
            "--variant",
            "standard",
            "--variant",
            "large-print",
            "--variant",
            "bilingual",
        ]
        run(project, *one, "-j", "2")  # caches warm, fonts read once from disk
        j1, j2, v1, v2 = best(
            options.rounds,
            lambda: run(project, *one, "-j", "1"),
            lambda: run(project, *one, "-j", "2"),
            lambda: run(project, *three, "-j", "1"),
            lambda: run(project, *three, "-j", "2"),
        )
        run(project, "build", "-p", PROCEDURE, "-f", "html", "--force")
        htmls = sorted((project / "build").glob(f"*/{PROCEDURE}.html"))
        (alone,) = best(options.rounds, lambda: libraries_alone(project, htmls))
        full = run(project, "build", "--force")  # the whole project: 2 x 16 x PDF and HTML
        (noop,) = best(options.rounds, lambda: run(project, "build"))
        forms = len(htmls)
        signed = signed_four_times(project, folder)
        (verify_s,) = best(
            options.rounds,
            lambda: run(project, "verify", str(signed), "--accept-unverified-signers"),
        )
        verify_kib = peak_memory(project, "verify", str(signed), "--accept-unverified-signers")
        # A returned file far past the size limit (verify_max_mb, 50 MB): refused before it is
        # read, in bounded time and memory.
        huge = folder / "huge.pdf"
        with huge.open("wb") as out:
            out.write(signed.read_bytes())
            out.truncate(200_000_000)
        huge_s = run(project, "verify", str(huge), check=False)
        huge_kib = peak_memory(project, "verify", str(huge))

    rows = [
        ("one procedure x every locale: -j2 vs -j1", f"{j1 / j2:.2f}x ({forms} PDFs: "
         f"{j1:.1f} s, {j2:.1f} s)", "at least 1.8x"),
        ("the same, three variants: -j2 vs -j1", f"{v1 / v2:.2f}x ({v1:.1f} s, {v2:.1f} s)",
         "at least 1.8x"),
        ("consentgen -j1 vs the libraries alone (layout, fields, QR)", f"{j1 / alone:.2f}x "
         f"({j1:.1f} s, {alone:.1f} s)", "at most 1.05x"),
        ("no-op rebuild", f"{noop:.2f} s, {noop / full:.1%} of the full build ({full:.1f} s)",
         "under 0.3 s and 2%"),
        ("verify, a form signed four times", f"{verify_s:.2f} s, peak {verify_kib / 1024:.0f} MiB",
         "under 1 s"),
        ("verify, a 200 MB file", f"{huge_s:.2f} s, peak {huge_kib / 1024:.0f} MiB",
         "memory bounded"),
    ]  # fmt: skip
    print(f"bundled project, best of {options.rounds} rounds")
    for measure, result, target in rows:
        print(f"{measure:<60} {result:<44} target: {target}")


if __name__ == "__main__":
    main()
