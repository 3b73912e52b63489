"""`build --shard I/N` and `manifest merge`: a release fanned out over several runners."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO

from consentgen.cli import cli


def _artifacts(path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {a["path"]: a for a in json.loads(path.read_text("utf-8"))["artifacts"]}


def test_shards_cover_every_form_once_and_merge_into_the_full_manifest(
    tmp_path: Path, runner: CliRunner
) -> None:
    base = ["--project", str(REPO), "build", "-f", "html", "-j", "1"]
    full = runner.invoke(cli, [*base, "-o", str(tmp_path / "full")])
    assert full.exit_code == 0, full.output
    parts = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}"
        result = runner.invoke(cli, [*base, "--shard", f"{index}/3", "-o", str(out)])
        assert result.exit_code == 0, result.output
        parts.append(_artifacts(out / "manifest.json"))
    assert all(parts), "a shard of 16 locales came out empty"
    seen = [path for part in parts for path in part]
    assert len(seen) == len(set(seen)), "a form was built by two shards"

    merged = tmp_path / "merged" / "manifest.json"
    result = runner.invoke(
        cli,
        [
            "--project",
            str(REPO),
            "manifest",
            "merge",
            *(str(tmp_path / f"shard{i}" / "manifest.json") for i in (1, 2, 3)),
            "-o",
            str(merged),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _artifacts(merged) == _artifacts(tmp_path / "full" / "manifest.json")
    assert merged.read_bytes() == (tmp_path / "full" / "manifest.json").read_bytes()
    assert "Español" in (merged.parent / "index.html").read_text("utf-8")


def test_merge_refuses_conflicting_shards(tmp_path: Path, runner: CliRunner) -> None:
    entry = {
        "path": "es/x.pdf",
        "procedure": "x",
        "locale": "es",
        "format": "pdf",
        "form_id": "F",
        "form_version": "1",
        "translation_status": "draft",
        "sha256": "0" * 64,
        "bytes": 1,
        "inputs_sha256": "1" * 64,
    }
    for name, sha in (("a.json", "0" * 64), ("b.json", "2" * 64)):
        data = {"generator": "consentgen 0.1.0", "artifacts": [{**entry, "sha256": sha}]}
        (tmp_path / name).write_text(json.dumps(data), "utf-8")
    result = runner.invoke(
        cli,
        [
            "--project",
            str(REPO),
            "manifest",
            "merge",
            str(tmp_path / "a.json"),
            str(tmp_path / "b.json"),
            "-o",
            str(tmp_path / "out.json"),
        ],
    )
    assert result.exit_code == 2 and "differs from another shard's" in result.output
    bad = runner.invoke(cli, ["--project", str(REPO), "build", "--shard", "4/3"])
    assert bad.exit_code == 2 and "expected I/N" in bad.output
