"""Why a job failed, and whether trying again can help.

Retrying only makes sense for errors that heal by themselves: a database or broker that
is restarting, a lock, a machine too busy to finish in time. An input that cannot be
processed (an undecodable image, an input the model rejects) fails the same way every
time, and a misconfigured space (unknown backend, a test-only model outside tests) fails
until an operator changes it; both fail once, with the reason, instead of burning
attempts or waiting for ever.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from embeddings.encoders.base import ModelMisconfigured


class PoisonInput(Exception):
    """This input cannot be processed as it is (undecodable image, bad vector)."""


class FailureKind(enum.StrEnum):
    POISON = "poison input"
    CONFIGURATION = "configuration error"
    TRANSIENT = "transient error"
    TIMEOUT = "time limit"


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    reason: str

    @property
    def retry(self) -> bool:
        return self.kind in (FailureKind.TRANSIENT, FailureKind.TIMEOUT)

    @property
    def message(self) -> str:
        """What the job row shows: the kind first, so an operator sees what to do."""
        verdict = "will be retried" if self.retry else "not retried"
        return f"[{self.kind}, {verdict}] {self.reason}"


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors of the services around us, which heal when the service is back."""
    import kombu.exceptions
    import redis.exceptions
    from django import db

    return (
        db.OperationalError,  # connection lost, server restarting, deadlock, lock timeout
        db.InterfaceError,  # a connection closed under us
        kombu.exceptions.OperationalError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        ConnectionError,
        MemoryError,  # the worker is short of memory now; a later run may have it
    )


def timeout_errors() -> tuple[type[BaseException], ...]:
    from celery.exceptions import SoftTimeLimitExceeded

    from embeddings.ocr.reader import OcrTimeout

    return (SoftTimeLimitExceeded, OcrTimeout, TimeoutError)


def classify_failure(exc: BaseException) -> Failure:
    """Sort an exception raised by a stage into poison, configuration, transient, timeout.

    Anything not known to heal counts as poison: repeating a deterministic failure costs
    model time and hides the reason behind "failed after 3 attempts".
    """
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, ModelMisconfigured):
        return Failure(FailureKind.CONFIGURATION, str(exc))
    if isinstance(exc, SoftTimeLimitExceeded):
        return Failure(
            FailureKind.TIMEOUT,
            "stopped by the task's soft time limit (a hung OCR or model call)",
        )
    if isinstance(exc, timeout_errors()):
        return Failure(FailureKind.TIMEOUT, _describe(exc))
    if isinstance(exc, transient_errors()):
        return Failure(FailureKind.TRANSIENT, _describe(exc))
    return Failure(FailureKind.POISON, _describe(exc))


def _describe(exc: BaseException) -> str:
    from embeddings.ocr.reader import OcrFailed

    if isinstance(exc, PoisonInput | OcrFailed):  # their messages say what went wrong
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
