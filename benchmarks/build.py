"""`make bench`: consentgen against the raw libraries on the same work, in one run.

Generates a synthetic forms project (kyphoplasty-sized procedures, default 10 procedures x 16
locales = 160 forms), then prints, as ratios rather than verdicts:
- consentgen's PDFs per second at -j1 and -jN, and the raw WeasyPrint loop
  (HTML(...).write_pdf in one process, no consentgen) on the same HTML;
- the -jN speedup;
- a no-op rebuild's time as a fraction of the full build;
- peak memory of a one-worker build at 10 forms (one locale per font first, so that every font
  is loaded) and at all forms;
- headless Chromium's --print-to-pdf on the same HTML, when Debian's chromium is installed.

    python benchmarks/build.py [--procedures 10] [--locales 16] [--jobs N] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from consentgen.locales import form_locale

REPO = Path(__file__).resolve().parent.parent
CONSENTGEN = [sys.executable, "-m", "consentgen"]


def configured_locales() -> list[str]:
    settings = (REPO / "pyproject.toml").read_text("utf-8")
    listed = re.search(r"^locales = \[(.*?)\]", settings, re.S | re.M)
    assert listed is not None
    return re.findall(r'"([^"]+)"', listed.group(1))


def every_script_first(codes: list[str], count: int) -> list[str]:
    """count of the locales, one per font stack first: a small build that loads every font the
    large one does, so that the two differ only in the number of forms."""
    stacks: dict[tuple[str, ...], str] = {}
    for code in codes:
        stacks.setdefault(form_locale(code, codes[0], {}).fonts, code)
    chosen = list(stacks.values())
    chosen += [code for code in codes if code not in chosen]
    return sorted(chosen[:count], key=codes.index)


def make_project(folder: Path, procedures: int, codes: list[str]) -> None:
    """A copy of this project in the given locales, with `procedures` copies of kyphoplasty."""
    for name in ("templates", "locales"):
        shutil.copytree(REPO / name, folder / name)
    settings = (REPO / "pyproject.toml").read_text("utf-8")
    listed = re.search(r"^locales = \[(.*?)\]", settings, re.S | re.M)
    assert listed is not None
    settings = settings.replace(
        listed.group(0), "locales = [" + ", ".join(f'"{c}"' for c in codes) + "]"
    )
    kyphoplasty = folder / "templates" / "procedures" / "kyphoplasty.html.j2"
    for number in range(1, procedures):
        shutil.copy(kyphoplasty, kyphoplasty.with_name(f"procedure{number:03d}.html.j2"))
        settings += (
            f"\n[tool.consentgen.procedures.procedure{number:03d}]\n"
            f'form_id = "BENCH-{number:03d}"\nversion = "1.0"\n'
            "revision_date = 2026-11-28\n"
        )
    (folder / "pyproject.toml").write_text(settings, "utf-8")


def run(folder: Path, *args: str) -> tuple[float, int]:
    """Seconds and peak child memory (KiB) of one consentgen command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [*CONSENTGEN, "--project", str(folder), *args], check=True, stdout=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def raw_weasyprint(htmls: list[Path]) -> float:
    """The raw library on the same HTML: one process, HTML(...).write_pdf per form."""
    code = (
        "import sys, time\n"
        "from weasyprint import HTML\n"
        "paths = sys.argv[1:]\n"
        "start = time.perf_counter()\n"
        "for p in paths: HTML(filename=p).write_pdf(p + '.raw.pdf', pdf_variant='pdf/ua-1')\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, htmls)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def chromium(htmls: list[Path]) -> float | None:
    """Headless Chromium printing the same HTML, if Debian's chromium is installed."""
    binary = shutil.which("chromium")
    if binary is None:
        return None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as profile:
        for html in htmls:
            subprocess.run(
                [
                    binary,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={html}.chromium.pdf",
                    html.as_uri(),
                ],
                check=True,
                capture_output=True,
            )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=10)
    parser.add_argument("--locales", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="timings are the best of these")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        small, every, large = root / "small", root / "every", root / "large"
        for folder in (small, every, large):
            folder.mkdir()
        codes = configured_locales()[: options.locales]
        small_codes = every_script_first(codes, 10)
        make_project(small, 1, small_codes)
        make_project(every, 1, codes)
        make_project(large, options.procedures, codes)
        forms = options.procedures * len(codes)

        _, small_mem = run(small, "build", "-f", "pdf", "-j", "1", "--force")
        # RUSAGE_CHILDREN keeps the largest child so far: measure the larger runs after.
        _, every_mem = run(every, "build", "-f", "pdf", "-j", "1", "--force")
        run(large, "build", "-f", "html", "-j", str(options.jobs))
        htmls = sorted((large / "build").rglob("*.html"))
        htmls = [h for h in htmls if h.name != "index.html"]
        # Each timing is the best of `rounds`, taken in turn, so that a busy moment on the
        # machine weighs on neither side of a ratio alone.
        one_s = raw_s = many_s = float("inf")
        one_mem = 0
        for _ in range(options.rounds):
            seconds, one_mem = run(large, "build", "-f", "pdf", "-j", "1", "--force")
            one_s = min(one_s, seconds)
            raw_s = min(raw_s, raw_weasyprint(htmls))
            seconds, _ = run(large, "build", "-f", "pdf", "-j", str(options.jobs), "--force")
            many_s = min(many_s, seconds)
        noop_s, _ = run(large, "build", "-f", "pdf", "-j", str(options.jobs))
        chrome_s = chromium(htmls)

    print(
        f"synthetic project: {options.procedures} procedures x {len(codes)} locales = "
        f"{forms} forms (PDF), {options.jobs} jobs, {os.cpu_count()} CPUs, "
        f"best of {options.rounds} rounds"
    )
    print(f"consentgen -j1            {forms / one_s:7.2f} forms/s")
    print(f"consentgen -j{options.jobs:<2}           {forms / many_s:7.2f} forms/s")
    print(
        f"raw WeasyPrint loop       {len(htmls) / raw_s:7.2f} forms/s   (same HTML, one "
        "process, no fields, no QR codes)"
    )
    print(f"consentgen -j1 / raw      {(forms / one_s) / (len(htmls) / raw_s):7.2f}x")
    print(f"-j{options.jobs} speedup               {one_s / many_s:7.2f}x")
    print(f"no-op rebuild / full      {noop_s / many_s:7.3f}")
    print(
        f"peak memory, one worker:  {small_mem / 1024:.0f} MiB at {len(small_codes)} forms "
        f"({' '.join(small_codes)}: every font), {one_mem / 1024:.0f} MiB at {forms} forms "
        f"({one_mem / small_mem:.2f}x)"
    )
    print(
        f"  each locale once:        {every_mem / 1024:.0f} MiB at {len(codes)} forms, "
        f"{one_mem / 1024:.0f} MiB at {forms} forms ({one_mem / every_mem:.2f}x)"
    )
    if chrome_s is not None:
        print(f"chromium --print-to-pdf   {len(htmls) / chrome_s:7.2f} forms/s")
    else:
        print("chromium --print-to-pdf   not installed (apt-get install chromium to compare)")


if __name__ == "__main__":
    main()
