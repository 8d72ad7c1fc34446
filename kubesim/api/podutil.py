"""Pod status helpers used by controllers and kubectl (k8s.io/kubernetes pkg/api/v1/pod/util.go).

``pod_condition`` and ``controller_ref`` are :func:`kubesim.api.objects.condition` and
:func:`kubesim.api.objects.owner_of` under the names controllers use.
"""
from __future__ import annotations

from . import clock
from .objects import condition as pod_condition  # noqa: F401  (re-exported)
from .objects import owner_of as controller_ref  # noqa: F401  (re-exported)


def is_pod_ready(pod: dict) -> bool:
    """``Ready`` condition is True."""
    cond = pod_condition(pod, "Ready")
    return bool(cond and cond.get("status") == "True")


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """Ready for at least ``minReadySeconds`` (IsPodAvailable)."""
    cond = pod_condition(pod, "Ready")
    if not cond or cond.get("status") != "True":
        return False
    if not min_ready_seconds:
        return True
    since = clock.seconds(cond["lastTransitionTime"])
    return since + min_ready_seconds <= now


def is_pod_active(pod: dict) -> bool:
    """Not finished and not being deleted (controller.IsPodActive)."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_pod_terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def set_condition(conditions: list, new: dict, now: float) -> bool:
    """Insert or update a condition; ``lastTransitionTime`` moves only when status changes.

    Returns True if anything changed.
    """
    stamp = clock.timestamp(now)
    for i, cond in enumerate(conditions):
        if cond.get("type") == new["type"]:
            merged = dict(cond, **new)
            if cond.get("status") != new.get("status"):
                merged["lastTransitionTime"] = stamp
            else:
                merged["lastTransitionTime"] = cond.get("lastTransitionTime", stamp)
            if "lastUpdateTime" in merged or "lastUpdateTime" in new:
                merged["lastUpdateTime"] = new.get("lastUpdateTime", stamp)
            changed = merged != cond
            conditions[i] = merged
            return changed
    conditions.append(dict(new, lastTransitionTime=stamp))
    return True
