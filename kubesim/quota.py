"""ResourceQuota: what an object costs and whether a namespace can still afford it.

Pure functions shared by the ResourceQuota *admission plugin* (in the API server: checks
each create against ``status.used`` and charges it) and the ResourceQuota *controller*
(in kube-controller-manager: recounts ``status.used`` from what exists)::

    >>> usage(pod_rt, pod, now)          # what one Pod consumes
    {'count/pods': Quantity('1'), 'pods': Quantity('1'), 'requests.cpu': Quantity('500m'), ...}
    >>> check(quotas, pod_rt, pod, now)  # raises "exceeded quota: compute, requested: ..."

Names a quota may limit (``spec.hard``): for Pods ``pods``, ``cpu``/``requests.cpu``,
``memory``/``requests.memory``, ``limits.cpu``, ``limits.memory`` and ``count/pods``; for
any other resource its object count ``count/<resource>[.<group>]`` (and the legacy core
names ``services``, ``configmaps``, ``secrets`` …).

Sources: pkg/quota/v1/evaluator/core/pods.go (``PodUsageFunc``, ``Constraints``,
``QuotaV1Pod``), k8s.io/apiserver/pkg/quota/v1/generic (object counts),
k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (``CheckRequest``).
"""
from __future__ import annotations

from typing import Iterable, Optional

from .api.clock import seconds as parse_timestamp
from .api.quantity import Quantity, parse_quantity

#: Resources a Pod is charged for (podResources).
POD_RESOURCES = ("count/pods", "cpu", "memory", "requests.cpu", "requests.memory",
                 "limits.cpu", "limits.memory", "pods")
#: If a quota limits one of these, every container must say how much it wants (validationSet).
MUST_SPECIFY = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
#: Legacy object-count names of core resources (generic evaluator's "resourceName").
LEGACY_COUNTS = {"services": "services", "configmaps": "configmaps", "secrets": "secrets",
                 "resourcequotas": "resourcequotas", "replicationcontrollers": "replicationcontrollers",
                 "persistentvolumeclaims": "persistentvolumeclaims"}


def count_name(rt) -> str:
    """``count/pods``, ``count/deployments.apps``: the object-count resource of a type."""
    return f"count/{rt.plural}.{rt.group}" if rt.group else f"count/{rt.plural}"


def _container_lists(pod: dict, field: str) -> dict[str, Quantity]:
    """PodRequests/PodLimits with exact quantities: sum of containers, at least each init one."""
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for c in spec.get("containers") or []:
        for k, v in ((c.get("resources") or {}).get(field) or {}).items():
            total[k] = total.get(k, parse_quantity(0)) + parse_quantity(v)
    for c in spec.get("initContainers") or []:
        for k, v in ((c.get("resources") or {}).get(field) or {}).items():
            q = parse_quantity(v)
            if k not in total or q > total[k]:
                total[k] = q
    return total


def pod_counts(pod: dict, now: float) -> bool:
    """``QuotaV1Pod``: terminal Pods, and Pods past their deletion grace period, are free."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and meta.get("deletionGracePeriodSeconds") is not None:
        if now > parse_timestamp(meta["deletionTimestamp"]) + meta["deletionGracePeriodSeconds"]:
            return False
    return True


def pod_usage(pod: dict, now: float) -> dict[str, Quantity]:
    """``PodUsageFunc``: the object count always, compute resources while the Pod lives."""
    out = {"count/pods": parse_quantity(1)}
    if not pod_counts(pod, now):
        return out
    out["pods"] = parse_quantity(1)
    requests, limits = _container_lists(pod, "requests"), _container_lists(pod, "limits")
    for name in ("cpu", "memory"):
        if name in requests:
            out[name] = requests[name]
            out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    return out


def usage(rt, obj: dict, now: float) -> dict[str, Quantity]:
    """What one object of resource type ``rt`` consumes."""
    if rt.kind == "Pod":
        return pod_usage(obj, now)
    out = {count_name(rt): parse_quantity(1)}
    if rt.plural in LEGACY_COUNTS and not rt.group:
        out[LEGACY_COUNTS[rt.plural]] = parse_quantity(1)
    return out


def matching_resources(rt, hard_names: Iterable[str]) -> list[str]:
    """The quota resource names that concern objects of type ``rt``."""
    mine = set(POD_RESOURCES) if rt.kind == "Pod" else {count_name(rt)} | (
        {LEGACY_COUNTS[rt.plural]} if rt.plural in LEGACY_COUNTS and not rt.group else set())
    return sorted(n for n in hard_names if n in mine)


def constraints(rt, obj: dict, restricted: list[str]) -> Optional[str]:
    """``Constraints``: with cpu/memory quota'd, every container must set them."""
    if rt.kind != "Pod":
        return None
    required = [r for r in restricted if r in MUST_SPECIFY]
    missing: dict[str, list[str]] = {}
    spec = obj.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        have = set()
        for name in ("cpu", "memory"):
            if name in (res.get("requests") or {}):
                have |= {name, f"requests.{name}"}
            if name in (res.get("limits") or {}):
                have.add(f"limits.{name}")
        for r in required:
            if r not in have:
                missing.setdefault(r, []).append(c["name"])
    if not missing:
        return None
    return "must specify " + "; ".join(f"{r} for: {','.join(sorted(set(n)))}"
                                       for r, n in sorted(missing.items()))


def pretty(resources: dict) -> str:
    """``prettyPrint``: ``requests.cpu=500m,requests.memory=1Gi`` (sorted)."""
    return ",".join(f"{k}={resources[k]}" for k in sorted(resources))


def _quantities(lst: Optional[dict]) -> dict[str, Quantity]:
    return {k: parse_quantity(v) for k, v in (lst or {}).items()}


class QuotaExceeded(Exception):
    """A quota refuses the object; ``str()`` is the admission plugin's reason."""


def check(quotas: list[dict], rt, obj: dict, now: float) -> list[tuple[dict, dict]]:
    """``CheckRequest`` for a create: raise :class:`QuotaExceeded`, or return
    ``[(quota, new_used)]`` for each quota the object is charged to."""
    delta = usage(rt, obj, now)
    charged = []
    for quota in quotas:
        hard = _quantities((quota.get("status") or {}).get("hard"))
        restricted = matching_resources(rt, hard)
        if not restricted:
            continue
        problem = constraints(rt, obj, restricted)
        if problem:
            raise QuotaExceeded(f"failed quota: {quota['metadata']['name']}: {problem}")
        used = _quantities((quota.get("status") or {}).get("used"))
        if any(r not in used for r in restricted):
            raise QuotaExceeded(f"status unknown for quota: {quota['metadata']['name']}, "
                                f"resources: {','.join(restricted)}")
        requested = {k: v for k, v in delta.items() if k in hard and not v.is_zero()}
        if not requested:
            continue
        new_used = dict(used)
        for k, v in requested.items():
            new_used[k] = used.get(k, parse_quantity(0)) + v
        exceeded = sorted(k for k in requested if new_used[k] > hard[k])
        if exceeded:
            raise QuotaExceeded(
                f"exceeded quota: {quota['metadata']['name']}, "
                f"requested: {pretty({k: requested[k] for k in exceeded})}, "
                f"used: {pretty({k: used.get(k, parse_quantity(0)) for k in exceeded})}, "
                f"limited: {pretty({k: hard[k] for k in exceeded})}")
        charged.append((quota, {k: str(v) for k, v in sorted(new_used.items())}))
    return charged


def recount(quota: dict, objects_by_type: dict, now: float) -> dict[str, str]:
    """The ResourceQuota controller's ``status.used``: every tracked resource of
    ``spec.hard``, summed over the namespace's objects (``{rt: [objects]}``)."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    total = {name: parse_quantity(0) for name in hard}
    for rt, objects in objects_by_type.items():
        names = matching_resources(rt, hard)
        if not names:
            continue
        for obj in objects:
            for k, v in usage(rt, obj, now).items():
                if k in total:
                    total[k] = total[k] + v
    return {k: str(v) for k, v in sorted(total.items())}
