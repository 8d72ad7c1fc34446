"""Reading a recorded trace for the figures: who exists, what was sent, what was down.

Every figure in :mod:`kubesim.viz` draws only what this module reads from a
:class:`~kubesim.trace.Trace` plus the cluster's static topology (which component runs on
which host, in which zone).  Given a bare ``Trace`` (for example one loaded next to a
lesson), the topology is inferred from the component names in the records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union

from ..trace import Record, Trace

#: How a message is coloured: (category, legend label).
CATEGORIES = {
    "request": "API request (client → kube-apiserver)",
    "reply": "API reply",
    "watch": "watch event (kube-apiserver → watcher)",
    "etcd": "kube-apiserver ↔ etcd",
    "other": "other message",
    "dropped": "dropped message",
}

Include = Union[None, str, Iterable, Callable[[Record], bool]]

_WATCH_WORDS = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "watch")


@dataclass(frozen=True)
class Place:
    """Where a component runs: its host, that host's zone, and its plane."""

    host: str
    zone: str
    plane: str          # "control", "data" or "client"


@dataclass(frozen=True)
class Topology:
    """The static picture of a cluster: component name -> :class:`Place`."""

    places: dict

    def hosts(self, plane: Optional[str] = None) -> list[str]:
        """Hosts (in a stable, natural order) running a component of ``plane``."""
        hosts = {p.host for p in self.places.values() if plane in (None, p.plane)}
        return sorted(hosts, key=host_key)

    def zone_of(self, host: str) -> str:
        """The zone of ``host`` ('' when unknown)."""
        for place in self.places.values():
            if place.host == host:
                return place.zone
        return ""

    def on_host(self, host: str) -> list[str]:
        """The components running on ``host``, naturally sorted."""
        return sorted((n for n, p in self.places.items() if p.host == host), key=natural_key)


# ---------------------------------------------------------------------- ordering
def natural_key(name: str) -> list:
    """Sort key so that ``worker-2`` comes before ``worker-10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def host_key(host: str) -> tuple:
    """Control-plane hosts first, then workers, then anything else (naturally sorted)."""
    rank = 0 if host.startswith("control-plane") else 1 if host.startswith("worker") else 2
    return (rank, natural_key(host))


#: A node agent's name is ``<agent>-<node>``: ``kubelet-worker-1``, ``kube-proxy-control-plane``.
_NODE_AGENT = re.compile(r"^(?P<agent>.+?)-(?P<node>control-plane(?:-\d+)?|worker-\d+)$")


def role(name: str) -> str:
    """A component's role without its instance suffix: ``kube-apiserver-2`` -> ``kube-apiserver``,
    ``kube-scheduler-3`` -> ``kube-scheduler``,
    ``kubelet-worker-1`` -> ``kubelet``, ``kube-proxy-worker-1`` -> ``kube-proxy``,
    ``containerd-worker-1`` -> ``container runtime``."""
    if name.startswith("containerd-"):
        return "container runtime"
    agent = _NODE_AGENT.match(name)
    if agent:
        return agent.group("agent")
    for prefix in ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"):
        if name == prefix or name.startswith(prefix + "-"):
            return prefix
    return name


def node_of(name: str) -> str:
    """The node a node agent runs on (``kube-proxy-worker-1`` -> ``worker-1``), else ''."""
    if name.startswith("containerd-"):
        return name[len("containerd-"):]
    agent = _NODE_AGENT.match(name)
    return agent.group("node") if agent else ""


_ROLE_ORDER = ["kubectl", "kube-apiserver", "etcd", "kube-controller-manager",
               "kube-scheduler", "coredns", "kubelet"]


def lane_key(name: str) -> tuple:
    """The order of sequence-diagram lanes: kubectl, kube-apiserver, etcd, controller-manager,
    scheduler, then node by node (control-plane node first) its kubelet, its other agents
    (kube-proxy …) and its container runtime, then anything else."""
    r, node = role(name), node_of(name)
    if node:
        within = 0 if r == "kubelet" else 2 if r == "container runtime" else 1
        return (_ROLE_ORDER.index("kubelet"), host_key(node), within, natural_key(name))
    rank = _ROLE_ORDER.index(r) if r in _ROLE_ORDER else len(_ROLE_ORDER)
    return (rank, (0, []), 0, natural_key(name))


def pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of components, in lane order (``("kubectl", "kube-apiserver-1")``)."""
    return tuple(sorted((a, b), key=lane_key))


# ---------------------------------------------------------------------- sources
def trace_of(source) -> Trace:
    """The :class:`Trace` of a ``Cluster`` (or the trace itself, or a list of records)."""
    if isinstance(source, Trace):
        return source
    if hasattr(source, "trace"):
        return source.trace
    trace = Trace()
    trace.records.extend(source)
    return trace


def topology(source) -> Topology:
    """Component places from a ``Cluster``; from a bare trace they are inferred from names."""
    if hasattr(source, "components") and hasattr(source, "host_zone"):
        places = {name: Place(comp.host, source.host_zone.get(comp.host, ""),
                              getattr(comp, "plane", "control"))
                  for name, comp in source.components.items()}
        return Topology(places)
    return Topology({name: _guess_place(name) for name in _names_in(trace_of(source))})


def _names_in(trace: Trace) -> list[str]:
    """Every component name that appears in the trace."""
    names: set[str] = set()
    for r in trace:
        if r.kind == "message":
            names.update((r.source, r.target))
        elif r.kind in ("component", "event") and r.source != "cluster":
            names.add(r.source)
        elif r.kind == "fault":
            names.update(r.ref.get("components") or [])
    names.discard("")
    return sorted(names)


def _guess_place(name: str) -> Place:
    """Where a component probably runs, judging by its name alone."""
    if name == "kubectl":
        return Place("laptop", "", "client")
    if node_of(name):
        return Place(node_of(name), "", "data")
    return Place("control-plane", "", "control")


# ---------------------------------------------------------------------- messages
def messages(trace: Trace, start: float = 0.0, end: Optional[float] = None,
             include: Include = None, exclude_rpc: Iterable[str] = ()) -> list[Record]:
    """The ``message`` records sent in ``[start, end]``.

    ``include`` keeps only some of them: a component name (messages to or from it), a list
    of names (messages *between* two of them), a list of records (e.g. a
    :func:`~kubesim.viz.pod_story`) or a function ``record -> bool``.  ``exclude_rpc`` drops
    whole protocols, e.g. ``("etcd",)``.
    """
    skip = set(exclude_rpc)
    return [r for r in selected(trace, start, end, include)
            if r.kind == "message" and r.ref.get("rpc") not in skip]


def selected(trace: Trace, start: float = 0.0, end: Optional[float] = None,
             include: Include = None) -> list[Record]:
    """Records of any kind in ``[start, end]`` that ``include`` keeps (see :func:`messages`);
    for notes a name keeps the records its component wrote."""
    end = float("inf") if end is None else end
    keep = include_test(include)
    return [r for r in trace if start <= r.time <= end and keep(r)]


def include_test(include: Include) -> Callable[[Record], bool]:
    """Turn an ``include`` argument into a predicate on records."""
    if include is None:
        return lambda r: True
    if callable(include):
        return include
    if isinstance(include, str):
        return lambda r: include in (r.source, r.target)
    items = list(include)
    if items and isinstance(items[0], Record):
        seqs = {r.seq for r in items}
        return lambda r: r.seq in seqs
    names = set(items)
    return lambda r: r.source in names and (r.target in names or r.kind != "message")


def category(r: Record) -> str:
    """The kind of a message, for colours: ``request``, ``reply``, ``watch``, ``etcd``,
    ``dropped`` or ``other`` (see :data:`CATEGORIES`)."""
    if "dropped" in r.ref:
        return "dropped"
    rpc = r.ref.get("rpc")
    if rpc == "etcd":
        return "etcd"
    if rpc != "api":
        return "other"
    if "verb" in r.ref:
        return "request"
    if r.summary.startswith(_WATCH_WORDS):
        return "watch"
    return "reply"


def arrival(r: Record) -> float:
    """When a message arrived (its send time when it was dropped)."""
    return r.ref.get("arrive", r.time)


def describe(r: Record) -> str:
    """One line for hover text: ``t=1.234567 s  kubectl → kube-apiserver-1: POST …``."""
    fate = f"dropped: {r.ref['dropped']}" if "dropped" in r.ref else \
        f"arrives t={arrival(r):.6f} s"
    return f"t={r.time:.6f} s  {r.source} → {r.target}<br>{r.summary}<br>({fate})"


# ---------------------------------------------------------------------- faults
def faults(trace: Trace, until: Optional[float] = None) -> list[Record]:
    """Crash, restart, partition and heal records up to ``until`` (the boot record excluded)."""
    until = float("inf") if until is None else until
    return [r for r in trace if r.kind == "fault" and r.time <= until
            and r.summary != "cluster started"]


def down_at(trace: Trace, at: Optional[float] = None) -> set[str]:
    """Names (components and hosts) that are crashed at time ``at`` (end of trace if None)."""
    down: set[str] = set()
    for r in faults(trace, at):
        target = r.target or r.ref.get("target", "")
        names = set(r.ref.get("components") or []) | ({target} if target else set())
        if r.summary.startswith("crash"):
            down |= names
        elif r.summary.startswith("restart"):
            down -= names
    return down


def partition_at(trace: Trace, at: Optional[float] = None) -> list[list[str]]:
    """The network partition in force at ``at`` as groups of names ([] when healed)."""
    groups: list[list[str]] = []
    for r in faults(trace, at):
        if r.summary.startswith("partition"):
            groups = [list(g) for g in r.ref.get("groups", [])]
        elif r.summary.startswith("heal"):
            groups = []
    return groups


def end_time(trace: Trace) -> float:
    """The time of the last thing that happened (a message's arrival counts)."""
    last = 0.0
    for r in trace:
        last = max(last, r.time, r.ref.get("arrive", 0.0) if r.kind == "message" else 0.0)
    return last
