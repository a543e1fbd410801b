"""Moved: one HTTP attempt lives in ``transport/attempt.py``, its answer types in
``transport/messages.py``. These names stay importable from here."""

from .transport.attempt import attempt, classify
from .transport.messages import Answer, Call, Failure

__all__ = ["Answer", "Call", "Failure", "attempt", "classify"]
