"""Admission plugins the API server runs on every create (k8s.io/kubernetes plugin/pkg/admission).

Mutating plugins change the object (defaults the cluster adds); validating plugins may
refuse it.  Each returns nothing or raises the StatusError Kubernetes answers with.
"""
from __future__ import annotations

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
