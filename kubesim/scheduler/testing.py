"""Small builders for Pods and Nodes, like kube-scheduler's ``st.MakePod()`` / ``st.MakeNode()``
(k8s.io/kubernetes pkg/scheduler/testing/wrappers.go), so cases from the Kubernetes tests
read the same here::

    make_pod("p").req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").node("node1").obj()
    make_node("node1").capacity(cpu="4000", memory="10000").label("zone", "a").obj()

Every method returns the builder; ``obj()`` returns the manifest (a dict).
"""
from __future__ import annotations

import copy
import itertools

_uids = itertools.count(1)


class PodBuilder:
    """st.PodWrapper."""

    def __init__(self, name: str = "", namespace: str = "default"):
        self.pod = {"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name or f"pod-{next(_uids)}", "namespace": namespace,
                                 "uid": f"uid-{next(_uids)}", "labels": {}},
                    "spec": {"containers": []}, "status": {}}

    def obj(self) -> dict:
        return copy.deepcopy(self.pod)

    @property
    def spec(self) -> dict:
        return self.pod["spec"]

    def name(self, name: str) -> "PodBuilder":
        self.pod["metadata"]["name"] = name
        return self

    def uid(self, uid: str) -> "PodBuilder":
        self.pod["metadata"]["uid"] = uid
        return self

    def namespace(self, ns: str) -> "PodBuilder":
        self.pod["metadata"]["namespace"] = ns
        return self

    def label(self, key: str, value: str) -> "PodBuilder":
        self.pod["metadata"]["labels"][key] = value
        return self

    def labels(self, labels: dict) -> "PodBuilder":
        self.pod["metadata"]["labels"].update(labels)
        return self

    def node(self, name: str) -> "PodBuilder":
        self.spec["nodeName"] = name
        return self

    def priority(self, value: int) -> "PodBuilder":
        self.spec["priority"] = value
        return self

    def start_time(self, timestamp: str) -> "PodBuilder":
        self.pod["status"]["startTime"] = timestamp
        return self

    def terminating(self) -> "PodBuilder":
        self.pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
        return self

    def req(self, requests: dict | None = None, image: str = "", **kw) -> "PodBuilder":
        """Add a container requesting ``requests`` (``cpu=``/``memory=`` keywords too)."""
        requests = dict(requests or {}, **kw)
        c = {"name": f"c{len(self.spec['containers'])}", "image": image or "pause",
             "resources": {"requests": {k: str(v) for k, v in requests.items()}}}
        self.spec["containers"].append(c)
        return self

    def init_req(self, requests: dict | None = None, **kw) -> "PodBuilder":
        requests = dict(requests or {}, **kw)
        self.spec.setdefault("initContainers", []).append(
            {"name": f"i{len(self.spec.get('initContainers', []))}", "image": "pause",
             "resources": {"requests": {k: str(v) for k, v in requests.items()}}})
        return self

    def container(self, image: str) -> "PodBuilder":
        self.spec["containers"].append({"name": f"c{len(self.spec['containers'])}", "image": image})
        return self

    def host_port(self, port: int, protocol: str = "TCP", ip: str = "") -> "PodBuilder":
        c = {"name": f"c{len(self.spec['containers'])}", "image": "pause",
             "ports": [{"containerPort": port, "hostPort": port, "protocol": protocol,
                        **({"hostIP": ip} if ip else {})}]}
        self.spec["containers"].append(c)
        return self

    def toleration(self, key: str = "", value: str = "", effect: str = "", operator: str = "") -> "PodBuilder":
        t = {k: v for k, v in (("key", key), ("value", value), ("effect", effect),
                               ("operator", operator)) if v}
        self.spec.setdefault("tolerations", []).append(t)
        return self

    def node_selector(self, selector: dict) -> "PodBuilder":
        self.spec["nodeSelector"] = dict(selector)
        return self

    def _affinity(self, kind: str) -> dict:
        return self.spec.setdefault("affinity", {}).setdefault(kind, {})

    def node_affinity_in(self, key: str, values: list) -> "PodBuilder":
        """A required node affinity term ``key In values``."""
        na = self._affinity("nodeAffinity")
        req = na.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {"nodeSelectorTerms": []})
        req["nodeSelectorTerms"].append({"matchExpressions": [
            {"key": key, "operator": "In", "values": list(values)}]})
        return self

    def preferred_node_affinity(self, weight: int, key: str, values: list, operator: str = "In") -> "PodBuilder":
        na = self._affinity("nodeAffinity")
        na.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
            {"weight": weight, "preference": {"matchExpressions": [
                {"key": key, "operator": operator, "values": list(values)}]}})
        return self

    def _pod_term(self, kind: str, required: bool, topology_key: str, selector: dict,
                  weight: int = 0, namespaces=None) -> "PodBuilder":
        term = {"labelSelector": selector, "topologyKey": topology_key}
        if namespaces is not None:
            term["namespaces"] = list(namespaces)
        block = self._affinity(kind)
        if required:
            block.setdefault("requiredDuringSchedulingIgnoredDuringExecution", []).append(term)
        else:
            block.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
                {"weight": weight, "podAffinityTerm": term})
        return self

    def pod_affinity_exists(self, label_key: str, topology_key: str, required: bool = True,
                            weight: int = 0) -> "PodBuilder":
        """st.PodAffinityExists: with Pods that have label ``label_key``."""
        sel = {"matchExpressions": [{"key": label_key, "operator": "Exists"}]}
        return self._pod_term("podAffinity", required, topology_key, sel, weight)

    def pod_anti_affinity_exists(self, label_key: str, topology_key: str, required: bool = True,
                                 weight: int = 0) -> "PodBuilder":
        sel = {"matchExpressions": [{"key": label_key, "operator": "Exists"}]}
        return self._pod_term("podAntiAffinity", required, topology_key, sel, weight)

    def pod_affinity_in(self, label_key: str, values: list, topology_key: str, required: bool = True,
                        weight: int = 0, anti: bool = False) -> "PodBuilder":
        sel = {"matchExpressions": [{"key": label_key, "operator": "In", "values": list(values)}]}
        return self._pod_term("podAntiAffinity" if anti else "podAffinity", required, topology_key,
                              sel, weight)

    def spread_constraint(self, max_skew: int, topology_key: str, when: str, selector: dict,
                          min_domains: int | None = None, **policies) -> "PodBuilder":
        """st.SpreadConstraint (``when``: DoNotSchedule / ScheduleAnyway)."""
        c = {"maxSkew": max_skew, "topologyKey": topology_key, "whenUnsatisfiable": when,
             "labelSelector": selector}
        if min_domains is not None:
            c["minDomains"] = min_domains
        c.update(policies)
        self.spec.setdefault("topologySpreadConstraints", []).append(c)
        return self

    def preemption_policy(self, policy: str) -> "PodBuilder":
        self.spec["preemptionPolicy"] = policy
        return self

    def nominated_node(self, node: str) -> "PodBuilder":
        self.pod["status"]["nominatedNodeName"] = node
        return self


class NodeBuilder:
    """st.NodeWrapper."""

    def __init__(self, name: str = ""):
        self.node = {"apiVersion": "v1", "kind": "Node",
                     "metadata": {"name": name or f"node-{next(_uids)}", "labels": {}},
                     "spec": {}, "status": {}}

    def obj(self) -> dict:
        return copy.deepcopy(self.node)

    def name(self, name: str) -> "NodeBuilder":
        self.node["metadata"]["name"] = name
        return self

    def label(self, key: str, value: str) -> "NodeBuilder":
        self.node["metadata"]["labels"][key] = value
        return self

    def labels(self, labels: dict) -> "NodeBuilder":
        self.node["metadata"]["labels"].update(labels)
        return self

    def capacity(self, resources: dict | None = None, **kw) -> "NodeBuilder":
        """Sets capacity *and* allocatable (``pods`` defaults to 32), as st.NodeWrapper.Capacity does."""
        res = {"pods": "32"}
        res.update({k: str(v) for k, v in dict(resources or {}, **kw).items()})
        self.node["status"]["capacity"] = dict(res)
        self.node["status"]["allocatable"] = dict(res)
        return self

    def taint(self, key: str, value: str = "", effect: str = "NoSchedule") -> "NodeBuilder":
        self.node["spec"].setdefault("taints", []).append({"key": key, "value": value, "effect": effect})
        return self

    def unschedulable(self, value: bool = True) -> "NodeBuilder":
        self.node["spec"]["unschedulable"] = value
        return self

    def images(self, images: dict) -> "NodeBuilder":
        """``{name: size in bytes}`` into ``status.images``."""
        self.node["status"]["images"] = [{"names": [n], "sizeBytes": s} for n, s in images.items()]
        return self


def make_pod(name: str = "", namespace: str = "default") -> PodBuilder:
    return PodBuilder(name, namespace)


def make_node(name: str = "") -> NodeBuilder:
    return NodeBuilder(name)


# --------------------------------------------------------------------------- running one plugin
def filter_node(plugin, pod: dict, node: dict, pods=()):
    """Run ``plugin``'s PreFilter and Filter for ``pod`` on ``node`` (with ``pods`` placed);
    returns None (fits) or the Status — as the Kubernetes plugin tests call Filter."""
    from .framework import SKIP, CycleState
    from .nodeinfo import PodInfo
    from .snapshot import Snapshot
    snap = Snapshot([node], pods)
    state = CycleState(PodInfo(pod), snap)
    status = plugin.pre_filter(state, pod, snap.node_infos)
    if status is not None and getattr(status, "code", None) == SKIP:
        return None
    if status is not None and getattr(status, "rejected", False):
        return status
    return plugin.filter(state, pod, snap.get(node["metadata"]["name"]))


def score_nodes(plugin, pod: dict, nodes: list, pods=(), normalize: bool = True,
                all_nodes=None) -> list:
    """Run PreScore, Score (and NormalizeScore) over ``nodes``; scores in node order.
    ``all_nodes`` (default ``nodes``) is the whole cluster the snapshot holds."""
    from .framework import SKIP, CycleState
    from .nodeinfo import PodInfo
    from .snapshot import Snapshot
    snap = Snapshot(all_nodes if all_nodes is not None else nodes, pods)
    state = CycleState(PodInfo(pod), snap)
    infos = [snap.get(n["metadata"]["name"]) for n in nodes]
    status = plugin.pre_score(state, pod, infos)
    if status is not None and status.code == SKIP:
        return None
    scores = {i.name: plugin.score(state, pod, i) for i in infos}
    if normalize:
        plugin.normalize_score(state, pod, scores)
    return [scores[i.name] for i in infos]
