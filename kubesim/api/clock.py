"""Simulated wall-clock: simulated seconds <-> the RFC 3339 timestamps objects carry.

Kubernetes stamps objects with ``metav1.Time`` (RFC 3339, whole seconds).  kubesim's
simulated time starts at :data:`EPOCH`, so ``creationTimestamp`` of an object created at
``c.now == 12.3`` is ``"2025-01-01T00:00:12Z"``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: Simulated time 0.
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def timestamp(sim_seconds: float) -> str:
    """RFC 3339 timestamp (whole seconds, like ``metav1.Time``) for a simulated time."""
    moment = EPOCH + timedelta(seconds=int(sim_seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_timestamp(sim_seconds: float) -> str:
    """RFC 3339 with microseconds, like ``metav1.MicroTime`` (a Lease's ``renewTime``)."""
    moment = EPOCH + timedelta(microseconds=int(round(sim_seconds * 1_000_000)))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seconds(ts: str) -> float:
    """Simulated seconds for a timestamp made by :func:`timestamp` or :func:`micro_timestamp`."""
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in ts else "%Y-%m-%dT%H:%M:%SZ"
    moment = datetime.strptime(ts, fmt).replace(tzinfo=timezone.utc)
    return (moment - EPOCH).total_seconds()
