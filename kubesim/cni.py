"""NetworkPolicy enforcement on each node, as a CNI plugin's agent does it (calico-node, cilium-agent).

Kubernetes stores NetworkPolicies but does not enforce them: the network plugin does.  Its
agent on every node watches NetworkPolicies, Pods and Namespaces through the API server and
programs filters for the Pods on *its* node (Calico writes iptables chains, Cilium eBPF
maps).  kubesim's :class:`CNIAgent` does the same, a few milliseconds after each change.

The rules (https://kubernetes.io/docs/concepts/services-networking/network-policies/):

* A Pod is *isolated for ingress* if any policy in its namespace selects it
  (``spec.podSelector``) and lists ``Ingress`` in ``policyTypes``; likewise for egress.
  A Pod no policy selects allows everything (default allow).
* A connection to an isolated Pod is allowed if *any* of the policies selecting it has an
  ingress rule whose ``from`` peers and ``ports`` both match (no ``from``: any source;
  no ``ports``: any port).  Policies only add allowances; their order does not matter.
* A connection needs both: egress allowed at the source Pod and ingress at the
  destination Pod.  Replies of an allowed connection are always allowed.
* A peer is a ``podSelector`` (Pods of the policy's namespace), a ``namespaceSelector``
  (all Pods of matching namespaces), both in one element (matching Pods *in* matching
  namespaces — AND), or an ``ipBlock`` (a CIDR with ``except`` holes; kubesim applies it to
  every address, as Calico does).
* Ports match by number (with ``endPort`` for a range), by name (the destination Pod's
  named container port) and by ``protocol`` (default TCP).
* Traffic between a Pod and its own node is always allowed (kubelet's probes).

A dropped packet is silently discarded: the client sees a timeout, not an error.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Optional

from .api.selectors import matches
from .client import APIClient
from .component import Component
from .informers import Informer

PROGRAM_DELAY = 0.005          # seconds from a watch event to the node's filters changing
SERVICE_ACCOUNT = "system:serviceaccount:kube-system:cni-agent"


# ---------------------------------------------------------------------- the semantics
@dataclass(frozen=True)
class Peer:
    """The other end of a connection: its IP and, when it is a Pod, the Pod."""

    ip: str
    pod: Optional[dict] = None


def _policy_types(policy: dict) -> list[str]:
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return types
    return ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def selecting(policies: list[dict], pod: dict, direction: str) -> list[dict]:
    """The policies that select ``pod`` for ``direction`` ("Ingress" or "Egress")."""
    ns = pod["metadata"]["namespace"]
    labels = pod["metadata"].get("labels") or {}
    return [p for p in policies if p["metadata"]["namespace"] == ns
            and direction in _policy_types(p)
            and matches((p.get("spec") or {}).get("podSelector") or {}, labels)]


def _in_block(ip: str, block: dict) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
        if addr not in ipaddress.ip_network(block.get("cidr", ""), strict=False):
            return False
        return not any(addr in ipaddress.ip_network(e, strict=False) for e in block.get("except") or [])
    except ValueError:
        return False


def peer_matches(peer_spec: dict, policy_ns: str, peer: Peer, ns_labels: dict) -> bool:
    """Does one ``from``/``to`` element match the peer?"""
    if peer_spec.get("ipBlock") is not None:
        return _in_block(peer.ip, peer_spec["ipBlock"])
    if peer.pod is None:
        return False                     # pod/namespace selectors only ever match Pods
    pod_ns = peer.pod["metadata"]["namespace"]
    ns_sel = peer_spec.get("namespaceSelector")
    if ns_sel is None:
        if pod_ns != policy_ns:
            return False
    elif not matches(ns_sel, ns_labels.get(pod_ns) or {}):
        return False
    pod_sel = peer_spec.get("podSelector")
    return pod_sel is None or matches(pod_sel, peer.pod["metadata"].get("labels") or {})


def named_port(pod: Optional[dict], name: str, protocol: str) -> Optional[int]:
    """The number of a Pod's named container port."""
    for c in ((pod or {}).get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == name and p.get("protocol", "TCP") == protocol:
                return p.get("containerPort")
    return None


def port_matches(ports: Optional[list], port: int, protocol: str, dest_pod: Optional[dict]) -> bool:
    """Does a rule's ``ports`` list allow ``port``/``protocol`` on the destination Pod?"""
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        want = p.get("port")
        if want is None:
            return True
        if isinstance(want, str) and not want.isdigit():
            if named_port(dest_pod, want, protocol) == port:
                return True
            continue
        lo = int(want)
        if lo <= port <= int(p.get("endPort") or lo):
            return True
    return False


def allowed(policies: list[dict], pod: dict, direction: str, peer: Peer, port: int,
            protocol: str, ns_labels: dict, dest_pod: Optional[dict]) -> tuple[bool, list[str]]:
    """Is a connection allowed for ``pod`` in ``direction``?  Returns (verdict, policy names).

    The names are the policies that allowed it, or — when denied — those that isolate the Pod.
    """
    isolating = selecting(policies, pod, direction)
    if not isolating:
        return True, []
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in isolating:
        for rule in (policy.get("spec") or {}).get(rules_key) or []:
            peers = rule.get(peers_key)
            if peers and not any(peer_matches(ps, policy["metadata"]["namespace"], peer, ns_labels)
                                 for ps in peers):
                continue
            if port_matches(rule.get("ports"), port, protocol, dest_pod):
                return True, [policy["metadata"]["name"]]
    return False, [p["metadata"]["name"] for p in isolating]


# ---------------------------------------------------------------------- the node agent
@dataclass
class Verdict:
    """The node filter's decision about one new connection."""

    allowed: bool
    direction: str
    node: str
    policies: list = field(default_factory=list)

    def __str__(self) -> str:
        names = ", ".join(self.policies) or "-"
        word = "allowed" if self.allowed else "dropped"
        return f"{self.direction.lower()} {word} on {self.node} (NetworkPolicy: {names})"


class CNIAgent(Component):
    """The network plugin's agent on one node: it programs NetworkPolicy filters."""

    plane = "data"

    def __init__(self, sim, name: str, host: str, choose_server, node_ip: str):
        super().__init__(sim, name, host)
        self.node_name = host
        self.node_ip = node_ip
        # One ServiceAccount for the agents of every node, as a DaemonSet's Pods share one.
        self.client = APIClient(self, SERVICE_ACCOUNT, (), choose_server)
        # What the node's filters enforce right now (kept across an agent restart).
        self.programmed = {"policies": [], "pods": {}, "namespaces": {}}
        self.programs = 0

    def start(self) -> None:
        super().start()
        self.client.reset()
        self._pending = False
        self.policies = Informer(self, self.client, "networkpolicies")
        self.pods = Informer(self, self.client, "pods")
        self.namespaces = Informer(self, self.client, "namespaces")
        for inf in (self.policies, self.pods, self.namespaces):
            inf.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new),
                             on_delete=self._changed)
        self.policies.start()
        self._watching_pods = False

    def _changed(self, _obj=None) -> None:
        # With no NetworkPolicy there is nothing to enforce: the Pod and Namespace watches
        # (every Pod of the cluster, on every node) start with the first policy.
        if not self._watching_pods and self.policies.store:
            self._watching_pods = True
            self.pods.start()
            self.namespaces.start()
        if not self._pending:
            self._pending = True
            self.run(self._program())

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)

    def _program(self):
        informers = [self.policies] + ([self.pods, self.namespaces] if self._watching_pods else [])
        yield self.env.all_of([inf.synced for inf in informers])
        yield self.env.timeout(PROGRAM_DELAY)
        self._pending = False
        pods = {}
        for pod in self.pods.list():
            ip = (pod.get("status") or {}).get("podIP")
            if ip and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                pods[ip] = pod
        before = len(self.programmed["policies"])
        self.programmed = {"policies": self.policies.list(), "pods": pods,
                           "namespaces": {n["metadata"]["name"]: n["metadata"].get("labels") or {}
                                          for n in self.namespaces.list()}}
        self.programs += 1
        if before or self.programmed["policies"]:
            self.record(f"programmed {len(self.programmed['policies'])} NetworkPolicies",
                        target=self.node_name, policies=len(self.programmed["policies"]))

    # ------------------------------------------------------------------ the filter
    def pod_at(self, ip: str) -> Optional[dict]:
        """The Pod with this IP, as the agent knows it."""
        return self.programmed["pods"].get(ip)

    def check(self, direction: str, pod: dict, peer_ip: str, port: int, protocol: str,
              dest_pod: Optional[dict]) -> Verdict:
        """Filter a new connection of local ``pod`` (``Ingress``: peer -> pod; ``Egress``: pod -> peer)."""
        if peer_ip == self.node_ip:
            return Verdict(True, direction, self.node_name)
        peer = Peer(peer_ip, self.pod_at(peer_ip))
        ok, names = allowed(self.programmed["policies"], pod, direction, peer, port, protocol,
                            self.programmed["namespaces"], dest_pod)
        return Verdict(ok, direction, self.node_name, names)
