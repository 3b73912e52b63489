"""Builds under faults, with real processes: two builds at once, a folder that is not
consentgen's, kill -9, Ctrl+C, a full disk, a read-only folder, too many workers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, ctrl_c_as_at_a_terminal

from consentgen.build.hold import HOLD_RENDER
from consentgen.cli import cli

TIMEOUT = 300
UNSHARE = shutil.which("unshare")


def _command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "consentgen", "--project", str(project), *args]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def _start(
    project: Path, *args: str, new_session: bool = False, hold_render: int | None = None
) -> subprocess.Popen[str]:
    """A build (or other command) in its own process; with hold_render, each process that
    makes forms holds after making that many (the testing hook in consentgen/build/pool.py)."""
    env = _environment()
    env.pop(HOLD_RENDER, None)
    if hold_render is not None:
        env[HOLD_RENDER] = str(hold_render)
    process = subprocess.Popen(
        _command(project, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=new_session,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    _STARTED.append(process)
    return process


def _consistent(build: Path) -> dict[str, str]:
    """The manifest's entries, each checked against the file on disk; no staged file left."""
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    entries = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    for path, sha in entries.items():
        assert hashlib.sha256((build / path).read_bytes()).hexdigest() == sha, path
    assert not list(build.rglob("*.consentgen-*.tmp"))
    return entries


def _locked(folder: Path) -> bool:
    """Whether a build holds the folder's lock now."""
    try:
        descriptor = os.open(folder / ".consentgen.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _wait_until(condition: object, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def _descendants(pid: int) -> set[int]:
    """Every process below pid, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


def _all_end(pids: set[int], within: float = 10.0) -> set[int]:
    deadline = time.monotonic() + within
    while (alive := {p for p in pids if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _rename_hospital(project: Path) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8")
    settings.write_text(text.replace("Riverside General Hospital", "Riverside Clinics"), "utf-8")


# 1. Two builds into one folder.


def test_a_second_build_waits_for_the_first_or_fails_at_once(project: Path) -> None:
    build = project / "build"
    first = _start(
        project, "build", "-j", "1", *(f"-l{code}" for code in ("en", "es", "ar", "ja", "ko"))
    )
    _wait_until(lambda: _locked(build), first)

    refused = subprocess.run(
        _command(project, "build", "--no-wait", "-l", "en"),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=TIMEOUT,
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"{build}: another consentgen build is writing here "
        "(without --no-wait, this build waits for it)"
    ]

    second = _start(project, "build", "-j", "1", "-l", "en", "-l", "fr", "--force")
    _wait_until(
        lambda: "waiting for it" in (second.stderr.readline() if second.stderr else ""), second
    )
    first_out, first_err = first.communicate(timeout=TIMEOUT)
    second_out, second_err = second.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    entries = _consistent(build)
    locales = {path.split("/")[0] for path in entries}
    assert locales == {
        "en",
        "es",
        "ar",
        "ja",
        "ko",
        "fr",
    }  # the second built on the first, after it


# 2. Only consentgen's folders, only consentgen's leftovers.


def test_refuses_a_folder_that_is_not_consentgens(
    project: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "report.docx").write_bytes(b"someone's work")
    for folder, reason in (
        ("/", "the root of the file system"),
        (str(home), "the home folder"),
        ("/dev/null", "not a folder"),
        (str(theirs), "not empty, and holds no consentgen build (no manifest.json)"),
    ):
        result = runner.invoke(cli, ["--project", str(project), "build", "-l", "en", "-o", folder])
        assert result.exit_code == 2, result.output
        assert result.output.splitlines() == [
            f"{Path(folder).resolve()}: refusing to build here: {reason}"
        ]
    assert sorted(p.name for p in theirs.iterdir()) == ["report.docx"]
    assert sorted(p.name for p in home.iterdir()) == ["notes"]


def test_cleans_up_only_what_consentgen_staged(project: Path, runner: CliRunner) -> None:
    args = ["--project", str(project), "build", "-l", "en", "-f", "html"]
    assert runner.invoke(cli, args).exit_code == 0
    build = project / "build"
    ours = build / "en" / ".kyphoplasty.html.consentgen-k1ll3d.tmp"
    ours.write_bytes(b"half a form")
    theirs = [build / ".notes.tmp", build / "en" / ".draft.tmp", build / "keep" / ".x.tmp"]
    for path in theirs:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"not consentgen's")
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not ours.exists()
    assert all(path.read_bytes() == b"not consentgen's" for path in theirs)


def test_a_failed_first_build_leaves_no_folder_behind(project: Path, runner: CliRunner) -> None:
    template = project / "templates" / "layout.html.j2"
    template.write_text(template.read_text("utf-8") + "{{ undefined_thing.attribute }}", "utf-8")
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "en", "-f", "html"])
    assert result.exit_code == 2, result.output
    assert not (project / "build").exists()


# 3. Workers end with their parent, however it ends.


def test_workers_exit_soon_after_their_parent_is_killed(project: Path) -> None:
    parent = _start(project, "build", "-j", "2", "-l", "zh_Hans", "-l", "ja", "-l", "ko")
    _wait_until(lambda: len(_descendants(parent.pid)) >= 3, parent)  # 2 workers and a tracker
    time.sleep(1)  # the workers are rendering
    children = _descendants(parent.pid)
    parent.send_signal(signal.SIGKILL)
    parent.communicate(timeout=TIMEOUT)
    assert _all_end(children) == set()


# 4. Ctrl+C.


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_promptly_keeps_the_build_whole_and_exits_130(
    project: Path, runner: CliRunner, jobs: str
) -> None:
    args = ["--project", str(project), "build", "-l", "en", "-l", "es"]
    assert runner.invoke(cli, args).exit_code == 0
    before = _consistent(project / "build")
    _rename_hospital(project)
    locales = ["-l", "zh_Hans", "-l", "zh_Hant", "-l", "ja", "-l", "ko", "-l", "en", "-l", "es"]
    build = _start(project, "build", "-j", jobs, *locales, new_session=True, hold_render=1)
    # Pressed while rendering, however fast the machine: once a form is made and the rest are not.
    assert build.stderr is not None
    held = build.stderr.readline()
    assert held == f"holding after 1 form(s) made ({HOLD_RENDER})\n", held + build.stderr.read()
    if jobs == "2":
        _wait_until(lambda: len(_descendants(build.pid)) >= 3, build)
    os.killpg(build.pid, signal.SIGINT)  # as a terminal's Ctrl+C: the whole process group
    children = _descendants(build.pid)
    out, rest = build.communicate(timeout=60)
    err = held + rest
    assert build.returncode == 130, err
    assert err.splitlines()[-1] == "interrupted: staged files removed, earlier outputs kept"
    assert "Traceback" not in err
    assert "wrote " not in out  # queued forms were cancelled, not rendered and written
    assert _consistent(project / "build") == before
    assert _all_end(children) == set()


# 5. Full disk, read-only folder: one line, exit 2, nothing lost.


def _in_own_mount(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root of a new user and mount namespace, where it may mount a
    small tmpfs (a disk that fills) or a read-only bind mount, whoever runs the tests."""
    assert UNSHARE is not None, "unshare (util-linux) is needed"
    return subprocess.run(
        [UNSHARE, "--user", "--map-root-user", "--mount", "sh", "-euc", script],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=TIMEOUT,
        cwd=tmp_path,
    )


def _report_after(project: Path, build: Path) -> str:
    """A command that prints what the manifest vouches for that is no longer on disk."""
    check = (
        "import hashlib, json, pathlib, sys; b = pathlib.Path(sys.argv[1]); "
        "m = json.loads((b / 'manifest.json').read_text()); "
        "bad = [a['path'] for a in m['artifacts'] "
        "if hashlib.sha256((b / a['path']).read_bytes()).hexdigest() != a['sha256']]; "
        "staged = [str(p) for p in b.rglob('*.consentgen-*.tmp')]; "
        "print(json.dumps({'artifacts': len(m['artifacts']), 'bad': bad, 'staged': staged}))"
    )
    return f"{sys.executable} -c {_quote(check)} {build}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_a_full_disk_is_one_line_and_loses_nothing(project: Path, tmp_path: Path) -> None:
    build = tmp_path / "disk"
    build.mkdir()
    consentgen = " ".join(_command(project))
    script = f"""
        mount -t tmpfs -o size=150k tmpfs {build}
        {consentgen} build -p kyphoplasty -l en -f html -o {build} > first.log 2>&1
        sed -i 's/Riverside General Hospital/Riverside Clinics/' {project}/pyproject.toml
        status=0
        {consentgen} build -p kyphoplasty -l en -l es -l ar -o {build} \\
            > second.out 2> second.err || status=$?
        echo "status=$status"
        {_report_after(project, build)}
    """
    result = _in_own_mount(script, tmp_path)
    assert result.returncode == 0, result.stderr
    status_line, report_line = result.stdout.splitlines()[-2:]
    assert status_line == "status=2", (tmp_path / "second.err").read_text()
    errors = (tmp_path / "second.err").read_text().splitlines()
    assert "Traceback" not in (tmp_path / "second.err").read_text()
    problem = [line for line in errors if "No space left on device" in line]
    assert problem and problem[0].startswith(str(build)), errors
    assert "nothing already built was replaced" in problem[0]
    report = json.loads(report_line)
    assert report == {"artifacts": 1, "bad": [], "staged": []}  # the first build, whole


def test_a_read_only_folder_is_one_line_and_loses_nothing(project: Path, tmp_path: Path) -> None:
    build = tmp_path / "out"
    consentgen = " ".join(_command(project))
    script = f"""
        {consentgen} build -p kyphoplasty -l en -f html -o {build} > first.log 2>&1
        mount --bind {build} {build}
        mount -o remount,bind,ro {build}
        status=0
        {consentgen} build -p kyphoplasty -l en -l es -f html --force -o {build} \\
            > second.out 2> second.err || status=$?
        echo "status=$status"
        {_report_after(project, build)}
    """
    result = _in_own_mount(script, tmp_path)
    assert result.returncode == 0, result.stderr
    status_line, report_line = result.stdout.splitlines()[-2:]
    errors = (tmp_path / "second.err").read_text()
    assert status_line == "status=2", errors
    assert errors.splitlines() == [f"{build}: cannot write (Read-only file system)"]
    assert json.loads(report_line) == {"artifacts": 1, "bad": [], "staged": []}


# 6. -j is capped at the CPUs available.


def test_jobs_are_capped_at_the_cpus_available(project: Path) -> None:
    cpus = len(os.sched_getaffinity(0))
    build = _start(project, "build", "-j", str(cpus + 14), "-l", "en", "-l", "es", "-l", "ar")
    _wait_until(lambda: len(_descendants(build.pid)) >= 1, build)
    workers: dict[int, str] = {}
    while build.poll() is None:
        for pid in _descendants(build.pid):
            # The build's own children: a worker's fc-match, forked and not yet exec'd, shows
            # the worker's command line for a moment.
            if _is_worker(pid) and _parent(pid) == build.pid:
                workers.setdefault(pid, Path(f"/proc/{pid}/stat").read_text()[:80])
        time.sleep(0.05)
    out, err = build.communicate()
    assert build.returncode == 0, err
    assert err.splitlines()[0] == f"note: -j {cpus + 14} capped at {cpus}, the CPUs available"
    assert 1 <= len(workers) <= cpus, workers  # every worker this build ever started
