"""What a build is asked for, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consentgen.errors import BAD_INPUT, ConsentgenError, QualityGateFailed
from consentgen.ledger import HeldBack


@dataclass(frozen=True)
class BuildRequest:
    """What `consentgen build` was asked for."""

    procedures: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    out_dir: Path | None = None
    force: bool = False
    release: bool = False  # all or nothing: refuse the whole build if any form is not ready
    variants: tuple[str, ...] = ()
    jobs: int = 1
    shard: tuple[int, int] = (1, 1)  # this runner's slice I of N
    release_ready: bool = False  # release every form that is ready, hold back the others
    wait: bool = True  # for another build that holds the output folder (else fail at once)


@dataclass
class BuildReport:
    """What a build did."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # each message once: exit status
    held_back: list[HeldBack] = field(default_factory=list)  # by a --release-ready build
    release: Path | None = None  # the ledger record a release wrote

    def summary(self, seconds: float) -> str:
        """The closing line: what was built, left as it was, or failed."""
        return (
            f"built {len(self.written)} files, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} up to date, {len(self.failed)} failed in {seconds:.1f} s"
        )

    def raise_for_failures(self) -> None:
        """Fail with every form's error, once each: exit 2 for bad input, else 1."""
        if not self.failures:
            return
        message = "\n".join(
            [*sorted(self.failures), "everything else was written"]
            if self.written or self.unchanged or self.skipped
            else sorted(self.failures)
        )
        if BAD_INPUT in self.failures.values():
            raise ConsentgenError(message)
        raise QualityGateFailed(message)
