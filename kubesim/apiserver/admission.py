"""Admission plugins the API server runs on writes (k8s.io/kubernetes plugin/pkg/admission).

Mutating plugins change the object (defaults the cluster adds); validating plugins may
refuse it.  Each returns nothing or raises the StatusError Kubernetes answers with.

* mutating, in kube-apiserver's order: NamespaceLifecycle (with its live lookup),
  LimitRanger (defaults), ServiceAccount, DefaultTolerationSeconds, Priority — :func:`mutate`;
* validating: LimitRanger (min/max/ratio), NodeRestriction, ResourceQuota (last: it charges
  the object to ``status.used``) — :func:`validate_create` and :func:`node_restriction`.
"""
from __future__ import annotations

import simpy

from ..errors import ForbiddenError, NotFoundError

# plugin/pkg/admission/defaulttolerationseconds: 300 s for not-ready and unreachable.
DEFAULT_TOLERATION_SECONDS = 300


def namespace_lifecycle(kind: str, namespace: str | None, namespaces: dict) -> None:
    """NamespaceLifecycle: no new objects in a missing or terminating namespace."""
    if not namespace or kind in ("Namespace", "Event"):
        return
    ns = namespaces.get(namespace)
    if ns is None:
        raise NotFoundError("namespaces", namespace)
    if ns.get("status", {}).get("phase") == "Terminating":
        raise ForbiddenError(
            f'unable to create new content in namespace {namespace} because it is being terminated')


def namespace_lifecycle_live(server, kind: str, namespace: str | None):
    """A generator: NamespaceLifecycle with the plugin's *live lookup* — a namespace missing
    from this replica's cache (just created through another replica) is read from etcd."""
    namespaces = server.cache.objects["namespaces"]
    if namespace and kind not in ("Namespace", "Event") and namespace not in namespaces:
        from ..api.resources import for_kind
        live, _rev = yield from server._read(for_kind("Namespace"), None, namespace)
        if live is not None:
            namespaces = {namespace: live}
    namespace_lifecycle(kind, namespace, namespaces)


def service_account(pod: dict) -> None:
    """ServiceAccount: every Pod runs as a service account, ``default`` unless it names one."""
    spec = pod["spec"]
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])


def default_toleration_seconds(pod: dict) -> None:
    """DefaultTolerationSeconds: tolerate not-ready/unreachable nodes for 300 s."""
    tolerations = pod["spec"].setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if any(t.get("key") == key and t.get("effect") in ("NoExecute", None, "")
               for t in tolerations):
            continue
        tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})


def priority(pod: dict, priority_classes: dict) -> None:
    """Priority: resolve ``priorityClassName`` to ``spec.priority`` (0 when none)."""
    spec = pod["spec"]
    name = spec.get("priorityClassName")
    if name:
        pc = priority_classes.get(name)
        if pc is None:
            raise ForbiddenError(f'pods "{pod["metadata"].get("name", "")}" is forbidden: '
                                 f'no PriorityClass with name {name} was found')
        spec["priority"] = pc.get("value", 0)
        spec.setdefault("preemptionPolicy", pc.get("preemptionPolicy", "PreemptLowerPriority"))
    else:
        spec.setdefault("priority", 0)


def admit_pod(pod: dict, priority_classes: dict) -> None:
    """The mutating admission chain for a new Pod, in the API server's plugin order."""
    service_account(pod)
    default_toleration_seconds(pod)
    priority(pod, priority_classes)


# ============================================================================ the chains
def mutate(server, rt, obj: dict) -> str:
    """The mutating plugins for a create (after NamespaceLifecycle); returns the stage text."""
    if rt.kind != "Pod":
        return "mutating admission: ok"
    ran = []
    ranges = limit_ranges(obj["metadata"].get("namespace"), server.cache.objects["limitranges"])
    if ranges:
        limit_ranger_defaults(obj, ranges)
        ran.append("LimitRanger")
    admit_pod(obj, server.cache.objects["priorityclasses"])
    ran += ["ServiceAccount", "DefaultTolerationSeconds", "Priority"]
    return f"mutating admission: ok ({', '.join(ran)})"


def validate_create(server, rt, obj: dict, user):
    """A generator: the validating plugins for a create, in order (LimitRanger,
    NodeRestriction, ResourceQuota last); returns the stage text or raises."""
    from .authz import is_node
    meta = obj["metadata"]
    ran = []
    if rt.kind == "Pod":
        ranges = limit_ranges(meta.get("namespace"), server.cache.objects["limitranges"])
        if ranges:
            limit_ranger_validate(obj, ranges)
            ran.append("LimitRanger")
    node = is_node(user)
    node_restriction(node, rt, "create", meta.get("name", ""), meta.get("namespace"), obj, None)
    if node:
        ran.append("NodeRestriction")
    charged = yield from resource_quota(server, rt, obj)
    if charged:
        ran.append(f"ResourceQuota: {charged}")
    return "validating admission: ok" + (f" ({'; '.join(ran)})" if ran else "")


# ============================================================================ LimitRanger
# plugin/pkg/admission/limitranger/admission.go: Pod defaults (mutating) and min / max /
# maxLimitRequestRatio (validating), from every LimitRange of the Pod's namespace.
LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"


def _q(value):
    from ..api.quantity import parse_quantity
    return parse_quantity(value)


def limit_ranges(namespace: str, limitranges: dict) -> list[dict]:
    """The LimitRanges of a namespace, by name."""
    return [lr for key, lr in sorted(limitranges.items())
            if lr["metadata"].get("namespace") == namespace]


def limit_ranger_defaults(pod: dict, ranges: list[dict]) -> None:
    """``mergePodResourceRequirements``: fill in each container's missing requests and
    limits from the ``Container`` items' ``defaultRequest`` / ``default``, and say so in
    the ``kubernetes.io/limit-ranger`` annotation."""
    for lr in ranges:
        requests, limits = {}, {}
        for item in (lr.get("spec") or {}).get("limits") or []:
            if item.get("type") == "Container":
                requests.update(item.get("defaultRequest") or {})
                limits.update(item.get("default") or {})
        notes = []
        for c in pod["spec"].get("containers") or []:
            res = c.setdefault("resources", {})
            set_req = sorted(k for k in requests if k not in (res.get("requests") or {}))
            set_lim = sorted(k for k in limits if k not in (res.get("limits") or {}))
            for k in set_lim:
                res.setdefault("limits", {})[k] = str(_q(limits[k]))
            for k in set_req:
                res.setdefault("requests", {})[k] = str(_q(requests[k]))
            if set_req:
                notes.append(", ".join(set_req) + " request for container " + c["name"])
            if set_lim:
                notes.append(", ".join(set_lim) + " limit for container " + c["name"])
        if notes:
            pod["metadata"].setdefault("annotations", {})[LIMIT_RANGER_ANNOTATION] = \
                "LimitRanger plugin set: " + "; ".join(notes)


def _min_constraint(kind: str, name: str, enforced, requests: dict, limits: dict):
    req, lim = requests.get(name), limits.get(name)
    if req is None:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified."
    if _q(req) < enforced:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {_q(req)}."
    if lim is not None and _q(lim) < enforced:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {_q(lim)}."
    return None


def _max_constraint(kind: str, name: str, enforced, requests: dict, limits: dict):
    req, lim = requests.get(name), limits.get(name)
    if lim is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified."
    if _q(lim) > enforced:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {_q(lim)}."
    if req is not None and _q(req) > enforced:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {_q(req)}."
    return None


def _ratio_constraint(kind: str, name: str, enforced, requests: dict, limits: dict):
    req, lim = requests.get(name), limits.get(name)
    if req is None or _q(req).is_zero():
        return (f"{name} max limit to request ratio per {kind} is {enforced}, but no request "
                "is specified or request is 0.")
    if lim is None or _q(lim).is_zero():
        return (f"{name} max limit to request ratio per {kind} is {enforced}, but no limit "
                "is specified or limit is 0.")
    ratio = _q(lim).amount / _q(req).amount
    if ratio > enforced.amount:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, but provided "
                f"ratio is {float(ratio):f}.")
    return None


def _sum_lists(lists: list[dict]) -> dict:
    """``sum``: the total of each resource set in *every* list (others are omitted)."""
    keys = sorted({k for lst in lists for k in lst})
    out = {}
    for k in keys:
        if all(k in lst for lst in lists):
            total = _q(0)
            for lst in lists:
                total = total + _q(lst[k])
            out[k] = str(total)
    return out


def limit_ranger_validate(pod: dict, ranges: list[dict]) -> None:
    """``PodLimitFunc``'s checks; raises ``pods "x" is forbidden: maximum cpu usage per
    Container is 1, but limit is 2.`` (several problems are listed in brackets)."""
    errors = []
    checks = (("min", _min_constraint), ("max", _max_constraint),
              ("maxLimitRequestRatio", _ratio_constraint))
    spec = pod["spec"]
    for lr in ranges:
        for item in (lr.get("spec") or {}).get("limits") or []:
            kind = item.get("type")
            if kind == "Container":
                targets = [((c.get("resources") or {}).get("requests") or {},
                            (c.get("resources") or {}).get("limits") or {})
                           for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
            elif kind == "Pod":
                cs = spec.get("containers") or []
                targets = [(_sum_lists([(c.get("resources") or {}).get("requests") or {} for c in cs]),
                            _sum_lists([(c.get("resources") or {}).get("limits") or {} for c in cs]))]
            else:
                continue
            for requests, limits in targets:
                for field, fn in checks:
                    for name, value in sorted((item.get(field) or {}).items()):
                        err = fn(kind, name, _q(value), requests, limits)
                        if err and err not in errors:
                            errors.append(err)
    if errors:
        detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise ForbiddenError(f'pods "{pod["metadata"].get("name", "")}" is forbidden: {detail}')


# ============================================================================ NodeRestriction
# plugin/pkg/admission/noderestriction/admission.go: a kubelet may only touch its own Node,
# its own Lease and the Pods bound to it. (kubesim leaves out the label checks.)
def node_restriction(node: str | None, rt, op: str, name: str, namespace: str | None,
                     obj: dict | None, old: dict | None, subresource: str = "") -> None:
    """Refuse what the kubelet of ``node`` may not do (no-op for other users)."""
    if not node:
        return
    qualified = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
    what = f'{qualified} "{name}"' if name else qualified
    deny = lambda msg: ForbiddenError(f"{what} is forbidden: {msg}")
    if rt.kind == "Pod":
        if subresource == "status":
            if ((old or {}).get("spec") or {}).get("nodeName") != node:
                raise deny(f'node "{node}" can only update pod status for pods with spec.nodeName '
                           "set to itself")
        elif op == "delete":
            if ((old or {}).get("spec") or {}).get("nodeName") != node:
                raise deny(f'node "{node}" can only delete pods with spec.nodeName set to itself')
        elif op == "create":
            raise deny('pod does not have "kubernetes.io/config.mirror" annotation, node '
                       f'"{node}" can only create mirror pods')
        elif not subresource:
            raise deny(f'unexpected operation "{op.upper()}", node "{node}" can only create and '
                       "delete mirror pods")
    elif rt.kind == "Node":
        if name != node:
            raise deny(f'node "{node}" is not allowed to modify node "{name}"')
        if op == "update" and not subresource and old is not None and obj is not None and \
                (obj.get("spec") or {}).get("taints") != (old.get("spec") or {}).get("taints"):
            raise deny(f'node "{node}" is not allowed to modify taints')
    elif rt.kind == "Lease":
        if namespace != "kube-node-lease":
            raise deny('can only access leases in the "kube-node-lease" system namespace')
        if name != node:
            raise deny("can only access node lease with the same name as the requesting node")


# ============================================================================ ResourceQuota
# k8s.io/apiserver/pkg/admission/plugin/resourcequota: the last validating plugin. It checks
# the new object against every quota of its namespace (kubesim/quota.py) and, before the
# object is stored, *charges* it by writing the quota's status.used — compare-and-swap on
# the quota, retried on conflict, one namespace at a time per API server (as the real
# plugin's quotaEvaluator batches work per namespace).
QUOTA_RETRIES = 3


def resource_quota(server, rt, obj: dict):
    """A generator: charge ``obj`` to its namespace's quotas or raise 403 ``exceeded quota``.

    Returns a short summary for the trace (None when no quota applies).
    """
    from .. import quota as q
    from ..api.resources import for_kind
    from ..errors import ConflictError
    from ..util import deep_copy
    ns = obj["metadata"].get("namespace")
    if not ns or rt.kind == "Event":
        return None
    if not any(k.startswith(ns + "/") for k in server.cache.objects["resourcequotas"]):
        return None
    quota_rt = for_kind("ResourceQuota")
    written = server.quota_written          # quotas this replica wrote, newer than its cache
    lock = server.quota_locks.get(ns)
    if lock is None:
        lock = server.quota_locks[ns] = simpy.Resource(server.env, capacity=1)
    with lock.request() as turn:
        yield turn
        quotas = []
        for key, cached in sorted(server.cache.objects["resourcequotas"].items()):
            if key.startswith(ns + "/"):
                mine = written.get(key)
                newer = mine if mine and int(mine["metadata"]["resourceVersion"]) > \
                    int(cached["metadata"]["resourceVersion"]) else cached
                quotas.append(newer)
        name = obj["metadata"].get("name", "")
        qualified = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
        for _attempt in range(QUOTA_RETRIES + 1):
            try:
                charged = q.check(quotas, rt, obj, server.env.now)
            except q.QuotaExceeded as err:
                raise ForbiddenError(f'{qualified} "{name}" is forbidden: {err}') from None
            if not charged:
                return None
            conflict = None
            for quota_obj, used in charged:
                new = deep_copy(quota_obj)
                new.setdefault("status", {})["used"] = used
                stored = yield from server._write(quota_rt, new,
                                                  int(quota_obj["metadata"]["resourceVersion"]))
                if stored is None:
                    conflict = quota_obj
                    break
                written[f"{ns}/{stored['metadata']['name']}"] = stored
            if conflict is None:
                return ", ".join(f"{c[0]['metadata']['name']} charged" for c in charged)
            fresh = []
            for quota_obj in quotas:      # someone else wrote first: read the quotas again
                got, _rev = yield from server._read(quota_rt, ns, quota_obj["metadata"]["name"])
                if got is not None:
                    fresh.append(got)
            quotas = fresh
        raise ConflictError("resourcequotas", conflict["metadata"]["name"])
