"""Small readers over manifest-shaped objects, shared by scheduler, kubelet and kubectl.

Resource amounts come back as plain ints: ``cpu`` in millicores, ``memory`` (and every
other resource) in whole units -- the way the scheduler's framework.Resource counts them.

Sources: k8s.io/component-helpers/resource/helpers.go (PodRequests, PodLimits),
pkg/apis/core/helper/qos/qos.go (ComputePodQOS), k8s.io/apimachinery/pkg/apis/meta/v1
(GetControllerOf, IsControlledBy), k8s.io/client-go/tools/cache (MetaNamespaceKeyFunc),
k8s.io/apimachinery/pkg/api/meta/conditions.go (SetStatusCondition).
"""
from __future__ import annotations

from typing import Optional

from kubesim.api.quantity import parse_quantity

QOS_COMPUTE_RESOURCES = ("cpu", "memory")   # qos.go supportedQoSComputeResources


def amount(name: str, value) -> int:
    """One resource amount as an int: millicores for ``cpu``, whole units otherwise."""
    q = parse_quantity(value)
    return q.milli_value() if name == "cpu" else q.value()


_AMOUNTS: dict = {}


def resource_list(resources: Optional[dict]) -> dict[str, int]:
    """A ResourceList (``{"cpu": "250m", "memory": "256Mi"}``) as ints.

    Parsing a quantity is exact but slow, and a cluster repeats the same few strings, so
    the results are memoized."""
    out = {}
    for name, value in (resources or {}).items():
        key = (name, value)
        try:
            out[name] = _AMOUNTS[key]
        except KeyError:
            if len(_AMOUNTS) > 100_000:
                _AMOUNTS.clear()
            out[name] = _AMOUNTS[key] = amount(name, value)
        except TypeError:          # an unhashable value: parse it (and let it fail) as is
            out[name] = amount(name, value)
    return out


def _add(into: dict, other: dict) -> None:
    for name, value in other.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict, other: dict) -> None:
    for name, value in other.items():
        into[name] = max(into.get(name, 0), value)


def aggregate_containers(pod: dict, per_container) -> dict[str, int]:
    """The sum of the app containers (and sidecars), or the largest init container if that
    is bigger — ``per_container(container)`` gives each container's amounts."""
    spec = pod.get("spec") or {}
    total: dict = {}
    for c in spec.get("containers") or []:
        _add(total, per_container(c))
    sidecars: dict = {}
    init_max: dict = {}
    for c in spec.get("initContainers") or []:
        own = per_container(c)
        if c.get("restartPolicy") == "Always":     # a sidecar runs alongside the app
            _add(total, own)
            _add(sidecars, own)
            in_use = dict(sidecars)
        else:                                       # runs with the sidecars started before it
            in_use = dict(own)
            _add(in_use, sidecars)
        _max(init_max, in_use)
    _max(total, init_max)
    return total


def _aggregate(pod: dict, field: str) -> dict[str, int]:
    """AggregateContainerRequests/Limits of ``field`` (``requests`` or ``limits``)."""
    return aggregate_containers(
        pod, lambda c: resource_list((c.get("resources") or {}).get(field)))


def pod_requests(pod: dict) -> dict[str, int]:
    """What a Pod requests (PodRequests): ``{"cpu": millis, "memory": bytes, "pods": 1, …}``.

    max(sum of containers, each init container) plus ``spec.overhead``.
    """
    reqs = _aggregate(pod, "requests")
    _add(reqs, resource_list((pod.get("spec") or {}).get("overhead")))
    reqs["pods"] = 1
    return reqs


def pod_limits(pod: dict) -> dict[str, int]:
    """PodLimits: like :func:`pod_requests` for limits; overhead is added only to
    resources that already have a limit."""
    limits = _aggregate(pod, "limits")
    for name, value in resource_list((pod.get("spec") or {}).get("overhead")).items():
        if name in limits:
            limits[name] += value
    return limits


def node_capacity(node: dict) -> dict[str, int]:
    """``status.capacity`` as ints (cpu in millicores)."""
    return resource_list((node.get("status") or {}).get("capacity"))


def node_allocatable(node: dict) -> dict[str, int]:
    """``status.allocatable`` as ints -- what the scheduler may hand out (falls back to
    capacity, as SetDefaults_NodeStatus does)."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable")
    return resource_list(allocatable if allocatable is not None else status.get("capacity"))


def qos_class(pod: dict) -> str:
    """ComputePodQOS: ``Guaranteed`` (every container limits cpu and memory, requests equal
    limits), ``BestEffort`` (no cpu/memory requests or limits at all) or ``Burstable``."""
    spec = pod.get("spec") or {}
    requests: dict = {}
    limits: dict = {}
    guaranteed = True
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        for name, value in (res.get("requests") or {}).items():
            if name in QOS_COMPUTE_RESOURCES and parse_quantity(value) > 0:
                requests[name] = requests.get(name, 0) + parse_quantity(value).amount
        found = set()
        for name, value in (res.get("limits") or {}).items():
            if name in QOS_COMPUTE_RESOURCES and parse_quantity(value) > 0:
                found.add(name)
                limits[name] = limits.get(name, 0) + parse_quantity(value).amount
        if not found >= set(QOS_COMPUTE_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(n) == v for n, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def owner_of(obj: dict) -> Optional[dict]:
    """metav1.GetControllerOf: the ownerReference with ``controller: true``, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: dict, owner: dict) -> bool:
    """metav1.IsControlledBy: is ``owner`` (by uid) the controller of ``obj``?"""
    ref = owner_of(obj)
    uid = (owner.get("metadata") or {}).get("uid")
    return ref is not None and uid is not None and ref.get("uid") == uid


def tolerates(toleration: dict, taint: dict) -> bool:
    """v1.Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go): an empty effect or
    key matches any; ``Exists`` ignores the value; ``Equal`` (the default) compares it."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    if (toleration.get("operator") or "Equal") == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def object_key(obj: dict) -> str:
    """cache.MetaNamespaceKeyFunc: ``namespace/name``, or just ``name`` when cluster-scoped."""
    meta = obj.get("metadata") or {}
    return f"{meta['namespace']}/{meta.get('name', '')}" if meta.get("namespace") else meta.get("name", "")


def condition(obj: dict, type: str) -> Optional[dict]:
    """The ``status.conditions`` entry of this type, or None."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type:
            return cond
    return None


def set_condition(obj: dict, cond: dict) -> bool:
    """meta.SetStatusCondition: add or update a condition in place; returns whether anything
    changed.  ``lastTransitionTime`` only moves when the status flips."""
    conditions = obj.setdefault("status", {}).setdefault("conditions", [])
    for i, existing in enumerate(conditions):
        if existing.get("type") != cond.get("type"):
            continue
        updated = dict(existing)
        updated.update(cond)
        if existing.get("status") == cond.get("status") and "lastTransitionTime" in existing:
            updated["lastTransitionTime"] = existing["lastTransitionTime"]
        conditions[i] = updated
        return updated != existing
    conditions.append(dict(cond))
    return True
