"""NodeInfo and PodInfo: the scheduler's view of a node and of a Pod (framework/types.go).

A :class:`NodeInfo` is a node plus the Pods on it (bound *or assumed*), with running sums
of what they request.  It is updated incrementally — ``add_pod``/``remove_pod`` adjust the
sums — so a scheduling cycle never recounts a node's Pods, and ``generation`` goes up on
every change (the scheduler cache snapshots only what changed, as kube-scheduler does).

A :class:`PodInfo` is a Pod parsed once: its requests as ints, its affinity terms as
compiled selectors, its host ports.  Plugins read these instead of the raw manifest.
"""
from __future__ import annotations

import itertools
import json
from typing import Iterable, Optional

from ..api.selectors import Selector, label_selector_as_selector
from .resources import NON_MISSING, node_allocatable, pod_requests

_generation = itertools.count(1)
_SIGNATURES: dict = {}


def next_generation() -> int:
    """framework.nextGeneration: a number that only goes up (orders NodeInfo changes)."""
    return next(_generation)


class Resource:
    """framework.Resource: CPU in millicores, memory and ephemeral storage in bytes, the
    allowed number of Pods, and every other ("scalar") resource such as ``nvidia.com/gpu``."""

    __slots__ = ("milli_cpu", "memory", "ephemeral_storage", "allowed_pod_number", "scalar")

    def __init__(self, milli_cpu: int = 0, memory: int = 0, ephemeral_storage: int = 0,
                 allowed_pod_number: int = 0, scalar: Optional[dict] = None):
        self.milli_cpu = milli_cpu
        self.memory = memory
        self.ephemeral_storage = ephemeral_storage
        self.allowed_pod_number = allowed_pod_number
        self.scalar = scalar if scalar is not None else {}

    @classmethod
    def from_list(cls, amounts: dict) -> "Resource":
        """From ``{"cpu": millicores, "memory": bytes, "pods": n, "nvidia.com/gpu": 1, ...}``."""
        r = cls()
        for name, value in amounts.items():
            r.set(name, value)
        return r

    def get(self, name: str) -> int:
        if name == "cpu":
            return self.milli_cpu
        if name == "memory":
            return self.memory
        if name == "ephemeral-storage":
            return self.ephemeral_storage
        if name == "pods":
            return self.allowed_pod_number
        return self.scalar.get(name, 0)

    def set(self, name: str, value: int) -> None:
        if name == "cpu":
            self.milli_cpu = value
        elif name == "memory":
            self.memory = value
        elif name == "ephemeral-storage":
            self.ephemeral_storage = value
        elif name == "pods":
            self.allowed_pod_number = value
        else:
            self.scalar[name] = value

    def add(self, other: "Resource", sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) + sign * value

    def clone(self) -> "Resource":
        return Resource(self.milli_cpu, self.memory, self.ephemeral_storage,
                        self.allowed_pod_number, dict(self.scalar))

    def as_dict(self) -> dict:
        out = {"cpu": self.milli_cpu, "memory": self.memory}
        if self.ephemeral_storage:
            out["ephemeral-storage"] = self.ephemeral_storage
        if self.allowed_pod_number:
            out["pods"] = self.allowed_pod_number
        out.update(self.scalar)
        return out

    def __repr__(self) -> str:
        return f"Resource({self.as_dict()})"


class AffinityTerm:
    """A parsed PodAffinityTerm (framework.AffinityTerm): which Pods it selects, in which
    namespaces, and the ``topology_key`` that defines "together"; ``weight`` for
    preferred terms."""

    __slots__ = ("selector", "namespaces", "namespace_selector", "topology_key", "weight")

    def __init__(self, term: dict, pod_namespace: str, weight: int = 0):
        self.selector = _selector(term.get("labelSelector"))
        ns_sel = term.get("namespaceSelector")
        self.namespace_selector = _selector(ns_sel)
        namespaces = term.get("namespaces") or []
        # GetNamespacesFromPodAffinityTerm: no namespaces and no selector = the Pod's own.
        self.namespaces = set(namespaces) if (namespaces or ns_sel is not None) else {pod_namespace}
        self.topology_key = term.get("topologyKey", "")
        self.weight = weight

    def matches(self, pod_info: "PodInfo", ns_labels: Optional[dict] = None) -> bool:
        """AffinityTerm.Matches: right namespace and the selector selects the Pod's labels."""
        if pod_info.namespace in self.namespaces or self.namespace_selector.matches(ns_labels or {}):
            return self.selector.matches(pod_info.labels)
        return False


def _selector(sel: Optional[dict]) -> Selector:
    try:
        return label_selector_as_selector(sel)
    except ValueError:
        return Selector.nothing()


def _terms(affinity: dict, kind: str, field: str, namespace: str) -> list:
    block = (affinity or {}).get(kind) or {}
    out = []
    for term in block.get(field) or []:
        if field.startswith("preferred"):
            weight = term.get("weight", 0)
            out.append(AffinityTerm(term.get("podAffinityTerm") or {}, namespace, weight))
        else:
            out.append(AffinityTerm(term, namespace))
    return out


class PodInfo:
    """A Pod parsed once for the scheduler (framework.PodInfo)."""

    __slots__ = ("pod", "key", "name", "namespace", "uid", "labels", "priority", "node_name",
                 "terminating", "requests", "non_zero_cpu", "non_zero_memory", "host_ports",
                 "required_affinity_terms", "required_anti_affinity_terms",
                 "preferred_affinity_terms", "preferred_anti_affinity_terms",
                 "created", "resource_version", "_signature")

    def __init__(self, pod: dict):
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.name = meta.get("name", "")
        self.namespace = meta.get("namespace") or "default"
        self.key = f"{self.namespace}/{self.name}"
        self.uid = meta.get("uid") or self.key
        self.resource_version = meta.get("resourceVersion")
        self.labels = meta.get("labels") or {}
        self.priority = spec.get("priority") or 0
        self.node_name = spec.get("nodeName") or ""
        self.terminating = bool(meta.get("deletionTimestamp"))
        self.created = meta.get("creationTimestamp") or ""
        self.requests = Resource.from_list(pod_requests(pod))
        non_zero = pod_requests(pod, NON_MISSING)
        self.non_zero_cpu = non_zero.get("cpu", 0)
        self.non_zero_memory = non_zero.get("memory", 0)
        self.host_ports = _host_ports(spec)
        self._signature = None
        affinity = spec.get("affinity")
        if affinity:
            ns = self.namespace
            self.required_affinity_terms = _terms(
                affinity, "podAffinity", "requiredDuringSchedulingIgnoredDuringExecution", ns)
            self.required_anti_affinity_terms = _terms(
                affinity, "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", ns)
            self.preferred_affinity_terms = _terms(
                affinity, "podAffinity", "preferredDuringSchedulingIgnoredDuringExecution", ns)
            self.preferred_anti_affinity_terms = _terms(
                affinity, "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", ns)
        else:
            self.required_affinity_terms = self.required_anti_affinity_terms = ()
            self.preferred_affinity_terms = self.preferred_anti_affinity_terms = ()

    @property
    def signature(self) -> str:
        """Everything node-local plugins read from this Pod, as one string: two Pods with
        the same signature get the same Filter verdict and Score on an unchanged node (an
        "equivalence class", see :class:`NodeInfo` ``memo``)."""
        if self._signature is None:
            spec = self.pod.get("spec") or {}
            containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
            self._signature = json.dumps([
                self.requests.as_dict(), self.non_zero_cpu, self.non_zero_memory,
                spec.get("tolerations") or [], spec.get("nodeName") or "",
                spec.get("nodeSelector") or {}, (spec.get("affinity") or {}).get("nodeAffinity") or {},
                self.host_ports, [c.get("image", "") for c in containers]],
                sort_keys=True, separators=(",", ":"))
            # Pods of one Deployment share a signature: keep one copy of the string.
            if len(_SIGNATURES) > 10_000:
                _SIGNATURES.clear()
            self._signature = _SIGNATURES.setdefault(self._signature, self._signature)
        return self._signature

    @property
    def has_affinity(self) -> bool:
        """Any pod (anti-)affinity term at all (NodeInfo.PodsWithAffinity)."""
        return bool(self.required_affinity_terms or self.required_anti_affinity_terms
                    or self.preferred_affinity_terms or self.preferred_anti_affinity_terms)

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


def _host_ports(spec: dict) -> list:
    """(hostIP, protocol, hostPort) of every container port with a hostPort (NodePorts)."""
    out = []
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for c in containers:
        for p in c.get("ports") or []:
            port = p.get("hostPort") or 0
            if port > 0:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", port))
    return out


def pod_uid(pod) -> str:
    """The uid a Pod is known by in NodeInfos (its key when it has no uid yet)."""
    if isinstance(pod, PodInfo):
        return pod.uid
    meta = pod.get("metadata") or {}
    return meta.get("uid") or f"{meta.get('namespace') or 'default'}/{meta.get('name', '')}"


def pod_info_of(pod) -> PodInfo:
    return pod if isinstance(pod, PodInfo) else PodInfo(pod)


class ImageState:
    """How big an image is and on how many nodes it is (framework.ImageStateSummary)."""

    __slots__ = ("size", "nodes")

    def __init__(self, size: int):
        self.size = size
        self.nodes: set = set()

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)


class NodeInfo:
    """A node and the Pods on it (bound or assumed), with the resources they request.

    * ``node`` — the Node manifest; ``name``, ``labels``, ``taints``, ``unschedulable``;
    * ``pods`` — :class:`PodInfo` objects (``pod_info.pod`` is the manifest);
    * ``allocatable`` / ``requested`` — :class:`Resource`; ``non_zero_requested`` counts a
      container without requests as 100m CPU / 200Mi memory (what scoring uses);
    * ``used_ports`` — ``{(hostIP, protocol, port)}`` taken by its Pods;
    * ``image_states`` — ``{image name: ImageState}`` from ``status.images``;
    * ``memo`` — Filter verdicts and Scores of the *node-local* plugins for the Pod
      signatures seen since the node last changed (emptied on every change).  Like
      kube-scheduler 1.10–1.12's equivalence cache: a node that did not change gives a
      Pod of the same shape the same answer, so it is not asked again.
    """

    __slots__ = ("node", "name", "labels", "taints", "unschedulable", "pods",
                 "pods_with_affinity", "pods_with_required_anti_affinity", "used_ports",
                 "requested", "non_zero_requested", "allocatable", "image_states", "generation",
                 "memo")

    def __init__(self, node: Optional[dict] = None, pods: Iterable = ()):
        self.pods: list = []
        self.pods_with_affinity: list = []
        self.pods_with_required_anti_affinity: list = []
        self.used_ports: dict = {}
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self.image_states: dict = {}
        self.node = None
        self.name = ""
        self.labels: dict = {}
        self.taints: list = []
        self.unschedulable = False
        self.allocatable = Resource()
        self.generation = next_generation()
        self.memo = None
        if node is not None:
            self.set_node(node)
        for pod in pods:
            self.add_pod(pod)

    # ------------------------------------------------------------------ node
    def set_node(self, node: dict) -> None:
        """Use a new version of the Node object (labels, taints, allocatable may change)."""
        self.node = node
        meta = node.get("metadata") or {}
        spec = node.get("spec") or {}
        self.name = meta.get("name", "")
        self.labels = meta.get("labels") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = Resource.from_list(node_allocatable(node))
        self.generation = next_generation()
        self.memo = None

    # ------------------------------------------------------------------ pods
    def add_pod(self, pod) -> PodInfo:
        """Count a Pod on this node (a dict or a :class:`PodInfo`)."""
        pi = pod_info_of(pod)
        self.pods.append(pi)
        if pi.has_affinity:
            self.pods_with_affinity.append(pi)
            if pi.required_anti_affinity_terms:
                self.pods_with_required_anti_affinity.append(pi)
        self._account(pi, 1)
        return pi

    def remove_pod(self, pod) -> bool:
        """Stop counting a Pod (matched by uid); False if it was not here."""
        uid = pod_uid(pod)
        for i, pi in enumerate(self.pods):
            if pi.uid == uid:
                del self.pods[i]
                for group in (self.pods_with_affinity, self.pods_with_required_anti_affinity):
                    for j, other in enumerate(group):
                        if other.uid == uid:
                            del group[j]
                            break
                self._account(pi, -1)
                return True
        return False

    def _account(self, pi: PodInfo, sign: int) -> None:
        self.requested.add(pi.requests, sign)
        nz = self.non_zero_requested
        nz.milli_cpu += sign * pi.non_zero_cpu
        nz.memory += sign * pi.non_zero_memory
        for port in pi.host_ports:
            count = self.used_ports.get(port, 0) + sign
            if count:
                self.used_ports[port] = count
            else:
                self.used_ports.pop(port, None)
        self.generation = next_generation()
        self.memo = None

    def clone(self) -> "NodeInfo":
        """A copy whose Pod list and sums can change without touching this one."""
        other = NodeInfo.__new__(NodeInfo)
        other.node, other.name, other.labels = self.node, self.name, self.labels
        other.taints, other.unschedulable = self.taints, self.unschedulable
        other.allocatable = self.allocatable
        other.pods = list(self.pods)
        other.pods_with_affinity = list(self.pods_with_affinity)
        other.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        other.used_ports = dict(self.used_ports)
        other.requested = self.requested.clone()
        other.non_zero_requested = self.non_zero_requested.clone()
        other.image_states = self.image_states
        other.generation = self.generation
        other.memo = None
        return other

    def __repr__(self) -> str:
        return (f"<NodeInfo {self.name}: {len(self.pods)} pods, "
                f"cpu {self.requested.milli_cpu}m/{self.allocatable.milli_cpu}m, "
                f"memory {self.requested.memory}/{self.allocatable.memory}>")
