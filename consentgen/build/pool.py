"""Making forms, in this process or in worker processes (`build -j N`), each within its time
limit, with a progress bar on a terminal. The pool knows no format: it hands jobs to the
pipeline and hands back what it made.

A worker loads the project once (settings, catalogs, Jinja environments, one WeasyPrint font
configuration) and reuses it for every form; the parent plans, and writes what comes back.

A testing hook, never set in use (hold.py): with CONSENTGEN_TEST_HOLD_RENDER=N in its
environment, each process that makes forms stops for good (until it is stopped) just after
making its Nth form, and says so on stderr. tests/test_faults.py presses Ctrl+C there, while
the build is rendering, however fast the machine.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from consentgen.build.hold import HOLD_RENDER, hold_if_asked
from consentgen.errors import BAD_INPUT, ConsentgenError, display_path
from consentgen.files import atomic_write
from consentgen.i18n.translations import LocaleCatalog
from consentgen.pipeline import FormJob, FormMaker, FormResult
from consentgen.procedures import procedure_template
from consentgen.settings import Settings, load_settings


class RenderTimeout(BaseException):
    """A form's render ran past its time limit.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` inside a library
    swallows it.
    """


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this thread if the block runs longer than seconds.

    It uses SIGALRM, so it limits only the main thread (where builds and workers render);
    elsewhere the block runs unlimited. Python code is interrupted between bytecodes: a
    pathological stylesheet spends its time in WeasyPrint's Python layout code. WeasyPrint
    swallows every exception while it draws an SVG image, this one too, so once the time is
    up the alarm rings again every tenth of a second until it gets through, and a block that
    ends after the time is up raises all the same.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    expired = False

    def ring(_signal: int, _frame: object) -> None:
        nonlocal expired
        expired = True
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if expired:
        raise RenderTimeout


_made = 0  # forms made in this process, for the testing hook


def run_job(maker: FormMaker, job: FormJob) -> FormResult:
    """Make one form within its time limit; a user's mistake becomes the result's error."""
    global _made
    settings = maker.settings
    started = time.perf_counter()
    try:
        with time_limit(settings.render_timeout):
            result = maker.make(job)
        result.seconds = time.perf_counter() - started
        _made += 1
        hold_if_asked(HOLD_RENDER, _made, "form(s) made")
        return result
    except ConsentgenError as exc:
        return FormResult(error=(exc.format_message(), exc.exit_code))
    except RenderTimeout:
        shown = display_path(procedure_template(settings, job.procedure), settings.root)
        return FormResult(
            error=(
                f"{shown}: {job.locale}: {job.variant} form took longer than "
                f"{settings.render_timeout:g} s to render and was stopped (render_timeout in "
                f"{settings.source.name})",
                BAD_INPUT,
            )
        )


# The worker process's form maker, made once by its initializer.
_MAKER: FormMaker | None = None
PARENT_POLL_SECONDS = 0.5


def start_worker(parent: int, root: Path, warm_pdf: bool = False) -> None:
    """Initializer of a worker process: follow the parent's fate, then load the project once,
    and WeasyPrint with its fonts if the build makes PDFs (while the parent still reads the
    catalogs, rather than on the first form).

    Ctrl+C reaches every process of the terminal's group: the parent alone decides what
    happens (it stops the workers). A parent killed outright (kill -9, out of memory) cannot
    stop them, so each worker watches for its parent to go and then exits too.
    """
    global _MAKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    settings = load_settings(root)
    _MAKER = FormMaker(settings)
    if warm_pdf:
        from consentgen.outputs.pdf import writer_for

        writer_for(settings)


def start_pool(settings: Settings, todo: list[FormJob], jobs: int) -> ProcessPoolExecutor | None:
    """Worker processes for a build that has forms to share among them (None otherwise),
    started now so that they load while the parent finishes its own reading."""
    workers = min(jobs, len(todo))
    if workers <= 1:
        return None
    # Spawned (not forked) workers: the parent may hold a Pango/fontconfig state a fork would
    # copy half-made.
    warm_pdf = any("pdf" in job.paths for job in todo)
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(), settings.root, warm_pdf),
    )


TIMES = ".consentgen-times.json"  # in the output folder: how long each form took last time


def longest_first(out_dir: Path, todo: list[FormJob]) -> list[FormJob]:
    """The forms in the order to hand them out: the longest first (as the last build timed
    them; a form never timed counts as long as the longest), so that no worker is left with a
    long form at the end while the others idle."""
    try:
        times = json.loads((out_dir / TIMES).read_text("utf-8"))
        if not isinstance(times, dict):
            times = {}
    except (OSError, ValueError):
        times = {}
    longest = max((v for v in times.values() if isinstance(v, int | float)), default=0.0)

    def seconds(job: FormJob) -> float:
        value = times.get(_time_key(job))
        return float(value) if isinstance(value, int | float) else longest + 1

    return sorted(todo, key=seconds, reverse=True)


def remember_times(out_dir: Path, timed: dict[FormJob, float]) -> None:
    """Keep how long each form took, for the next build's order (best effort: a cache)."""
    if not timed:
        return
    path = out_dir / TIMES
    try:
        times = json.loads(path.read_text("utf-8"))
        times = times if isinstance(times, dict) else {}
    except (OSError, ValueError):
        times = {}
    times.update({_time_key(job): round(seconds, 3) for job, seconds in timed.items()})
    with contextlib.suppress(ConsentgenError):
        atomic_write(path, (json.dumps(times, sort_keys=True) + "\n").encode("utf-8"))


def _time_key(job: FormJob) -> str:
    return f"{job.locale}/{job.procedure}/{job.variant}/{'+'.join(sorted(job.paths))}"


def _exit_with_parent(parent: int) -> None:
    """Exit this process as soon as its parent is gone (it is then adopted by another)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def run_in_worker(job: FormJob) -> FormResult:
    """Make one form in a worker process."""
    assert _MAKER is not None, "start_worker was not run"
    return run_job(_MAKER, job)


def make_all(
    settings: Settings,
    catalogs: dict[str, LocaleCatalog],
    todo: list[FormJob],
    pool: ProcessPoolExecutor | None,
    progress: Callable[[FormJob], None] = lambda job: None,
) -> Generator[tuple[FormJob, FormResult], None, None]:
    """Make every planned form: in this process, or handed out one at a time to the pool's
    workers (each loads the project once), yielded as each finishes."""
    if pool is None:
        maker = FormMaker(settings, catalogs)
        for job in todo:
            yield job, run_job(maker, job)
            progress(job)
        return
    try:
        futures = {pool.submit(run_in_worker, job): job for job in todo}
        for future in as_completed(futures):
            job = futures.pop(future)
            yield job, future.result()
            progress(job)
    except BaseException:
        # Ctrl+C, a failed write, or the caller gave up: forms not yet started are cancelled
        # and the workers stopped now, rather than after every queued form.
        stop_workers(pool)
        raise
    pool.shutdown()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once.

    ProcessPoolExecutor has no public way to stop a running task before Python 3.14
    (`terminate_workers`); its worker processes are taken before shutdown forgets them.
    """
    terminate = getattr(pool, "terminate_workers", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if terminate is not None:
        with contextlib.suppress(Exception):
            terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()


@contextlib.contextmanager
def progress_bar(total: int) -> Iterator[Callable[[FormJob], None]]:
    """A progress bar on a terminal (rich); nothing in a log, where each file gets its line."""
    if total < 2 or not sys.stdout.isatty():
        yield lambda job: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "rendering", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("forms", total=total)
        yield lambda job: bar.advance(task)
