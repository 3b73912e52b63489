"""Making forms, in this process or in worker processes (`build -j N`), each within its time
limit, with a progress bar on a terminal. The pool knows no format: it hands jobs to the
pipeline and hands back what it made.

A worker loads the project once (settings, catalogs, Jinja environments, one WeasyPrint font
configuration) and reuses it for every form; the parent plans, and writes what comes back.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from consentgen.errors import BAD_INPUT, ConsentgenError, display_path
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


def run_job(maker: FormMaker, job: FormJob) -> FormResult:
    """Make one form within its time limit; a user's mistake becomes the result's error."""
    settings = maker.settings
    try:
        with time_limit(settings.render_timeout):
            return maker.make(job)
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


def start_worker(parent: int, root: Path) -> None:
    """Initializer of a worker process: follow the parent's fate, then load the project once.

    Ctrl+C reaches every process of the terminal's group: the parent alone decides what
    happens (it stops the workers). A parent killed outright (kill -9, out of memory) cannot
    stop them, so each worker watches for its parent to go and then exits too.
    """
    global _MAKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _MAKER = FormMaker(load_settings(root))


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
    jobs: int,
    progress: Callable[[FormJob], None] = lambda job: None,
) -> Generator[tuple[FormJob, FormResult], None, None]:
    """Render every planned form; in worker processes, as each finishes, when jobs > 1."""
    workers = min(jobs, len(todo))
    if workers <= 1:
        maker = FormMaker(settings, catalogs)
        for job in todo:
            yield job, run_job(maker, job)
            progress(job)
        return
    # Spawned (not forked) workers: the parent may hold a Pango/fontconfig state a fork would
    # copy half-made. Each worker loads the project once, then renders many forms. Forms are
    # handed out one at a time, so that no worker idles while another still has a queue: a
    # Chinese form takes longer than a Spanish one.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(), settings.root)
    )
    try:
        futures = {pool.submit(run_in_worker, job): job for job in todo}
        for future in as_completed(futures):
            job = futures.pop(future)
            yield job, future.result()
            progress(job)
    except BaseException:
        # Ctrl+C, a failed write, or the caller gave up: forms not yet started are cancelled
        # and the workers stopped now, rather than after every queued form.
        _stop_workers(pool)
        raise
    pool.shutdown()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
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
