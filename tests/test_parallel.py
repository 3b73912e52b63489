"""`build -j N`: worker processes give the same files as one process."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO

from consentgen.cli import cli


def test_workers_build_the_same_bytes_as_one_process(tmp_path: Path, runner: CliRunner) -> None:
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        result = runner.invoke(
            cli,
            [
                "--project",
                str(REPO),
                "build",
                "-j",
                jobs,
                "-l",
                "en",
                "-l",
                "ar",
                "-l",
                "zh_Hant",
                "-o",
                str(out),
                "-p",
                "kyphoplasty",
            ],
        )
        assert result.exit_code == 0, result.output
        outputs[jobs] = {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".consentgen-times.json"  # timings differ, of course
        }
        times = json.loads((out / ".consentgen-times.json").read_text("utf-8"))
        assert sorted(times) == [
            f"{c}/kyphoplasty/standard/html+pdf" for c in ("ar", "en", "zh_Hant")
        ]
    assert outputs["1"].keys() == outputs["2"].keys()
    # 3 locales x 2 formats, index, manifest, and the output folder's (empty) lock file
    assert len(outputs["1"]) == 9 and outputs["1"][".consentgen.lock"] == b""
    for name in outputs["1"]:
        assert outputs["1"][name] == outputs["2"][name], name


def test_a_worker_reports_a_users_mistake_in_one_line(project: Path, runner: CliRunner) -> None:
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text("utf-8").replace('msgstr "Formulario %(form_id)s"', 'msgstr "Formulario"'),
        "utf-8",
    )
    result = runner.invoke(
        cli, ["--project", str(project), "build", "-j", "2", "-l", "es", "-l", "ar", "-f", "html"]
    )
    assert result.exit_code == 2
    assert result.output.strip().endswith("msgstr drops placeholder %(form_id)s")
    assert not (project / "build").exists()
