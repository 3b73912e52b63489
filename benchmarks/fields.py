"""What form fields cost: size and render time of each bundled form with and without fields.

Run with `make bench-fields` (after `make build`). Prints ratios, not verdicts; the target is
1.5x or less for both (issue 3). The same HTML, the same process, best of N runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from consentgen.locales import form_locale
from consentgen.outputs.pdf import PdfWriter
from consentgen.pipeline import FormMaker
from consentgen.settings import load_settings, select_locales

RUNS = 5


def best(seconds: list[float]) -> float:
    return min(seconds)


def main(root: Path) -> None:
    settings = load_settings(root)
    writers = {choice: PdfWriter(settings.templates_dir, choice) for choice in ("none", "all")}
    print(
        f"{'locale':<9}{'no fields':>12}{'with fields':>13}{'size x':>8}"
        f"{'no fields s':>13}{'fields s':>10}{'time x':>8}"
    )
    size_ratios, time_ratios = [], []
    maker = FormMaker(settings)
    for code in select_locales(settings, ()):
        locale = form_locale(code, settings.default_locale, settings.fonts)
        for procedure in sorted(settings.procedures):
            rendered = maker.render(code, procedure, "standard")
            html, form = rendered.html, rendered.form
            sizes, times = {}, {}
            for writer in writers.values():  # warm up: fonts load on first use
                writer.write(html, form, code, locale.script, procedure, "0" * 64)
            for choice, writer in writers.items():
                runs = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    pdf = writer.write(html, form, code, locale.script, procedure, "0" * 64)
                    runs.append(time.perf_counter() - start)
                sizes[choice], times[choice] = len(pdf), best(runs)
            size_ratios.append(sizes["all"] / sizes["none"])
            time_ratios.append(times["all"] / times["none"])
            print(
                f"{code:<9}{sizes['none']:>12,}{sizes['all']:>13,}{size_ratios[-1]:>8.2f}"
                f"{times['none']:>13.3f}{times['all']:>10.3f}{time_ratios[-1]:>8.2f}"
            )
    print(
        f"median size ratio {statistics.median(size_ratios):.2f}, max {max(size_ratios):.2f}; "
        f"median time ratio {statistics.median(time_ratios):.2f}, max {max(time_ratios):.2f}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
