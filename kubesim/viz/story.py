"""The story of one Pod's creation, read back from the trace: which calls made it exist.

A Pod made by a Deployment comes to life through a chain of API *write calls*::

    kubectl                  POST deployments       (the Deployment)
    kube-controller-manager  POST replicasets       (deployment controller: its ReplicaSet)
    kube-controller-manager  POST pods              (replicaset controller: the Pod)
    kube-scheduler           POST pods/<name>/binding   (the scheduling decision)
    kubelet-<node>           PATCH pods/<name>/status   (the node reports; its runtime runs it)

Each call is: the request to a kube-apiserver, its etcd Txn and etcd's answer, the
revision's watch event back to kube-apiserver, the reply to the client, and the watch
event that tells the *next* actor about the object.  :func:`pod_story` returns exactly
those message records (plus the notes components wrote about these objects) and
:func:`first_path` the components in the order they first acted.

How the chain is found — only from the trace:

* the Pod's owner: the Event (``SuccessfulCreate`` / ``ScalingReplicaSet``) whose message
  names the object; its ``object`` is the owner (ReplicaSet, then Deployment …);
* a create call: a ``create`` request for the resource whose reply is ``201`` and during
  which the kube-apiserver sent etcd a Txn on the object's key;
* the binding and the kubelet's status patches: requests whose summary names the Pod.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional

from ..trace import Record, Trace
from .tracedata import role, trace_of

OWNER_REASONS = ("SuccessfulCreate", "ScalingReplicaSet")
POD_PREFIX = "/registry/pods/"


@dataclass
class Call:
    """One API write and the messages it caused (see the module docstring)."""

    request: Record
    resource: str                                     # what it wrote: ("pods", "web-…")
    name: str
    messages: list = field(default_factory=list)     # everything but the request
    etcd: str = ""                                    # the etcd member that stored it
    revision: Optional[int] = None

    @property
    def client(self) -> str:
        """The component that sent the request."""
        return self.request.source

    @property
    def server(self) -> str:
        """The kube-apiserver that served it."""
        return self.request.target


# ---------------------------------------------------------------------- finding things
def find_pod(trace: Trace, pod: str) -> tuple[str, str]:
    """``(namespace, name)`` of a Pod given as ``name`` or ``namespace/name``."""
    if "/" in pod:
        ns, name = pod.split("/", 1)
        return ns, name
    for r in trace:
        if r.kind == "message" and r.summary.startswith("Txn "):
            for key in _txn_keys(r):
                if key.startswith(POD_PREFIX) and key.rsplit("/", 1)[-1] == pod:
                    return key[len(POD_PREFIX):].split("/")[0], pod
    raise KeyError(f"no Pod named {pod!r} in the trace")


def _txn_keys(r: Record) -> list[str]:
    """The etcd keys named in a ``Txn …`` request's summary."""
    return r.summary[len("Txn "):].split(", ") if r.summary.startswith("Txn /") else []


def _after(trace: Trace, record: Record) -> Iterator[Record]:
    """The records that follow ``record`` in ``trace``."""
    records = trace.records
    at = record.seq if record.seq < len(records) and records[record.seq] is record \
        else records.index(record)
    return itertools.islice(records, at + 1, None)


def _mentions(text: str, name: str) -> bool:
    """Does ``text`` name ``name`` as a whole word (not as part of a longer name)?"""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None


def owner_chain(trace: Trace, kind: str, ns: str, name: str) -> list[tuple[str, str, str]]:
    """``[(kind, namespace, name), …]`` from the oldest owner down to the object itself."""
    chain = [(kind, ns, name)]
    while len(chain) < 6:
        event = next((r for r in trace if r.kind == "event" and r.ref.get("reason") in OWNER_REASONS
                      and r.ref.get("namespace") == ns and _mentions(r.summary, chain[0][2])), None)
        if event is None or "/" not in event.ref.get("object", ""):
            break
        owner_kind, owner_name = event.ref["object"].split("/", 1)
        chain.insert(0, (owner_kind, ns, owner_name))
    return chain


def etcd_key_of(kind: str, ns: str, name: str) -> str:
    """The etcd key kube-apiserver stores an object under (``/registry/pods/default/web-…``)."""
    from ..api.resources import lookup
    from ..apiserver.registry import etcd_key
    rt = lookup(kind)
    if rt is None:
        return f"/registry/{kind}s/{ns}/{name}"
    return etcd_key(rt, ns, name)


def plural_of(kind: str) -> str:
    """The REST resource name of a kind (``replicaset`` -> ``replicasets``)."""
    from ..api.resources import lookup
    rt = lookup(kind)
    return rt.plural if rt else kind + "s"


# ---------------------------------------------------------------------- one call
def api_call(trace: Trace, request: Record, key: str) -> Call:
    """Follow ``request`` through kube-apiserver and etcd (the Txn on ``key``) to its reply."""
    call = Call(request, request.ref.get("resource", ""), key.rsplit("/", 1)[-1])
    server, client, rid = request.target, request.source, request.ref.get("request")
    reply, txn = None, None
    for r in _after(trace, request):
        if r.kind != "message" or r.source != server:
            continue
        if r.ref.get("rpc") == "etcd" and key in _txn_keys(r):
            txn = r                                   # the last one is the write
        elif r.target == client and r.ref.get("request") == rid and "verb" not in r.ref:
            reply = r
            break
    if txn is not None:
        call.etcd = txn.target
        call.messages += [txn] + _etcd_answer(trace, txn, key, call)
    if reply is not None:
        call.messages.append(reply)
    return call


def _etcd_answer(trace: Trace, txn: Record, key: str, call: Call) -> list[Record]:
    """etcd's reply to ``txn`` and the watch event of the revision it wrote."""
    out = []
    for r in _after(trace, txn):
        if r.kind != "message" or r.source != txn.target or r.target != txn.source:
            continue
        if not out and key in str(r.ref.get("keys", "")).split(", "):
            out.append(r)
            m = re.search(r"rev=(\d+)", r.summary)
            call.revision = int(m.group(1)) if m else None
        elif out and r.summary.startswith("Watch event") and f"rev={call.revision} " in r.summary:
            out.append(r)
            break
        if r.time > txn.time + 5:
            break
    return out


def delivery(trace: Trace, call: Call, resource: str, name: str, to: str) -> Optional[Record]:
    """The watch event that carried the revision ``call`` wrote to component ``to``."""
    for r in _after(trace, call.request):
        if (r.kind == "message" and r.source == call.server and r.target == to
                and r.ref.get("rv") == call.revision and r.summary.endswith(f" {resource}/{name}")):
            return r
    return None


# ---------------------------------------------------------------------- the chain of calls
def _create_call(trace: Trace, kind: str, ns: str, name: str) -> Optional[Call]:
    """The create call that stored object ``kind/ns/name`` (its reply was 201)."""
    plural, key = plural_of(kind), etcd_key_of(kind, ns, name)
    for r in trace:
        if (r.kind == "message" and r.ref.get("verb") == "create"
                and r.ref.get("resource") == plural
                and r.summary.split(" ")[1] in (plural, f"{plural}/{name}")):
            call = api_call(trace, r, key)
            if call.etcd and any(m.summary.startswith("201") for m in call.messages):
                return call
    return None


def _pod_calls(trace: Trace, ns: str, name: str) -> list[Call]:
    """The scheduler's binding, then the kubelet's first status patch and the one after Started."""
    key = etcd_key_of("Pod", ns, name)
    calls, started, patches = [], None, 0
    for r in trace:
        if r.kind == "event" and r.ref.get("object") == f"pod/{name}" \
                and r.ref.get("reason") == "Started":
            started = started or r
        if r.kind != "message" or "verb" not in r.ref or f"pods/{name}/" not in r.summary:
            continue
        if "/binding" in r.summary and not calls:
            calls.append(api_call(trace, r, key))
        elif "/status" in r.summary and role(r.source) == "kubelet" and calls:
            if patches == 0 or (started is not None and patches == 1):
                calls.append(api_call(trace, r, key))
                patches += 1
    return calls


def creation_calls(trace: Trace, pod: str) -> list[Call]:
    """Every write call on the way to Pod ``pod`` running, oldest first."""
    ns, name = find_pod(trace, pod)
    calls = []
    for kind, owner_ns, owner_name in owner_chain(trace, "pod", ns, name):
        call = _create_call(trace, kind, owner_ns, owner_name)
        if call is not None:
            calls.append(call)
    return calls + _pod_calls(trace, ns, name)


# ---------------------------------------------------------------------- public helpers
def pod_story(trace_or_cluster, pod: str) -> list[Record]:
    """The records that tell how Pod ``pod`` (``name`` or ``namespace/name``) was created.

    The messages of every write call (module docstring), the watch event that passed each
    object on to the next actor, and the notes (``component``/``event`` records) about the
    Pod and its owners up to its container's start — in trace order.  Use it to draw only
    this story: ``sequence_diagram(c, include=pod_story(c, "web-…"))``.
    """
    trace = trace_of(trace_or_cluster)
    ns, name = find_pod(trace, pod)
    calls = creation_calls(trace, pod)
    picked: dict[int, Record] = {}
    for call, after in zip(calls, calls[1:] + [None]):
        for r in [call.request] + call.messages:
            picked[r.seq] = r
        if after is not None and (after.client, after.name) != (call.client, call.name):
            hop = delivery(trace, call, call.resource, call.name, after.client)
            if hop is not None:
                picked[hop.seq] = hop
    chain = owner_chain(trace, "pod", ns, name)
    for r in _notes(trace, chain, ns, name):
        picked[r.seq] = r
    return [picked[s] for s in sorted(picked)]


def _notes(trace: Trace, chain, ns: str, name: str) -> list[Record]:
    """Events about the Pod (until its container started), owner Events that name the next
    object of the chain, and component records about the Pod (scheduled, sandbox ready)."""
    children = {owner[2]: child[2] for owner, child in zip(chain, chain[1:])}
    out = []
    for r in trace:
        obj = r.ref.get("object", "/").split("/", 1)[1] if r.kind == "event" else None
        if obj == name or (obj in children and _mentions(r.summary, children[obj])):
            out.append(r)
        elif r.kind == "component" and r.ref.get("pod") == f"{ns}/{name}":
            out.append(r)
        if obj == name and r.ref.get("reason") == "Started":
            break
    return out


def first_path(trace_or_cluster, pod: str, by_role: bool = False) -> list[str]:
    """The components Pod ``pod``'s creation passed through, in the order they first acted.

    Rule: take the write calls of :func:`creation_calls` in order (the Deployment's, its
    ReplicaSet's, the Pod's, the binding, the kubelet's status patches); each contributes
    its client, the kube-apiserver that served it and the etcd member that stored it; the
    node's container runtime (``containerd-<node>``) comes right after its kubelet when
    kubelet reported the Pod's sandbox ready.  Each component is listed once, where it
    first appears.  For a Deployment's Pod this gives::

        ['kubectl', 'kube-apiserver-1', 'etcd-1', 'kube-controller-manager',
         'kube-scheduler', 'kubelet-worker-3', 'containerd-worker-3']

    ``by_role=True`` drops instance suffixes (``kube-apiserver``, ``kubelet``,
    ``container runtime``) so answers can be checked on any cluster size.
    """
    trace = trace_of(trace_or_cluster)
    ns, name = find_pod(trace, pod)
    sandbox = any(r.kind == "component" and r.ref.get("pod") == f"{ns}/{name}"
                  and r.summary.startswith("sandbox ready") for r in trace)
    path: list[str] = []
    for call in creation_calls(trace, pod):
        for comp in (call.client, call.server, call.etcd):
            _append(path, comp, by_role)
            if role(comp) == "kubelet" and sandbox:
                _append(path, "containerd-" + comp[len("kubelet-"):], by_role)
    return path


def _append(path: list[str], comp: str, by_role: bool) -> None:
    """Add ``comp`` (or its role) to ``path`` unless it is already there."""
    name = role(comp) if by_role else comp
    if comp and name not in path:
        path.append(name)
