"""The scheduler's cache of the cluster: every node's NodeInfo, updated incrementally.

kube-scheduler keeps a cache fed by informers (backend/cache/cache.go) and, at the start
of each cycle, copies the NodeInfos that changed since the last cycle into a snapshot
(``UpdateSnapshot``, by generation number).  In kubesim a cycle is one Python call that
nothing can interrupt, so the cycle reads the cache directly: :class:`Snapshot` *is*
that cache, and every change is incremental:

* a Pod bound (or assumed) on a node is added to that NodeInfo, one deleted is removed —
  the running sums of requests move, nothing is recounted;
* which nodes hold Pods with (anti-)affinity is tracked as Pods come and go, so
  InterPodAffinity never scans 5,000 nodes to find the three that matter;
* nodes are listed zone by zone, round-robin (backend/cache/node_tree.go), so when the
  scheduler stops looking after ``num_feasible_nodes_to_find`` nodes it has still looked
  in every zone;
* ``image_states`` counts on how many nodes each image is (for ImageLocality).

``objects`` holds the Services, ReplicaSets and StatefulSets that select Pods (for
PodTopologySpread's default constraints) and ``namespace_labels`` the labels of each
namespace (for affinity ``namespaceSelector``).
"""
from __future__ import annotations

from typing import Iterable, Optional

from .nodeinfo import ImageState, NodeInfo, PodInfo, pod_info_of, pod_uid

ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")


def zone_key(node: dict) -> str:
    """utilnode.GetZoneKey: ``region:\\x00:zone``, or "" when the node has neither label."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    zone = next((labels[k] for k in ZONE_LABELS if labels.get(k)), "")
    region = next((labels[k] for k in REGION_LABELS if labels.get(k)), "")
    if not zone and not region:
        return ""
    return f"{region}:\x00:{zone}"


def normalized_image_name(name: str) -> str:
    """imagelocality.normalizedImageName: add ``:latest`` when no tag is given."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


class Snapshot:
    """NodeInfos in node-tree order, plus the indexes plugins need (see module docstring)."""

    def __init__(self, nodes: Iterable[dict] = (), pods: Iterable = (),
                 objects: Iterable[dict] = (), namespace_labels: Optional[dict] = None):
        self.by_name: dict[str, NodeInfo] = {}
        self._zones: dict[str, list] = {}        # zone key -> node names (insertion order)
        self._node_zone: dict[str, str] = {}
        self._order: Optional[list] = None
        self._with_affinity: set = set()
        self._with_anti_affinity: set = set()
        self._affinity_lists: Optional[tuple] = None
        self.images: dict[str, ImageState] = {}
        self.images_version = 0                  # bumped when any node's images change
        self.pod_node: dict[str, str] = {}      # pod uid -> node name
        self.services: dict = {}
        self.replicasets: dict = {}
        self.statefulsets: dict = {}
        self.replication_controllers: dict = {}
        self.namespace_labels: dict = dict(namespace_labels or {})
        self.pod_namespaces: set = set()
        for node in nodes:
            self.add_node(node)
        for pod in pods:
            pi = pod_info_of(pod)
            if pi.node_name and pi.pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                self.add_pod(pi)
        for obj in objects:
            self.set_object(obj)

    # ------------------------------------------------------------------ reading
    @property
    def node_infos(self) -> list[NodeInfo]:
        """Every NodeInfo, zone by zone round-robin (nodeTree.list)."""
        if self._order is None:
            names, i = [], 0
            zones = [z for z in self._zones.values() if z]
            while len(names) < len(self.by_name) and zones:
                for z in zones:
                    if i < len(z):
                        names.append(z[i])
                i += 1
            self._order = [self.by_name[n] for n in names]
        return self._order

    def get(self, name: str) -> Optional[NodeInfo]:
        return self.by_name.get(name)

    @property
    def num_nodes(self) -> int:
        return len(self.by_name)

    def _lists(self) -> tuple:
        if self._affinity_lists is None:
            order = self.node_infos
            self._affinity_lists = (
                [n for n in order if n.name in self._with_affinity] if self._with_affinity else [],
                [n for n in order if n.name in self._with_anti_affinity] if self._with_anti_affinity else [])
        return self._affinity_lists

    @property
    def have_pods_with_affinity(self) -> list[NodeInfo]:
        """Nodes holding at least one Pod with (anti-)affinity terms."""
        return self._lists()[0]

    @property
    def have_pods_with_required_anti_affinity(self) -> list[NodeInfo]:
        """Nodes holding at least one Pod with a required anti-affinity term."""
        return self._lists()[1]

    # ------------------------------------------------------------------ nodes
    def add_node(self, node: dict) -> NodeInfo:
        name = node["metadata"]["name"]
        info = self.by_name.get(name)
        if info is None:
            info = NodeInfo(node)
            self.by_name[name] = info
        else:
            self._drop_images(info)
            info.set_node(node)
        zone = zone_key(node)
        if self._node_zone.get(name) != zone:
            self._remove_from_tree(name)
            self._zones.setdefault(zone, []).append(name)
            self._node_zone[name] = zone
            self._order = None
            self._affinity_lists = None
        self._add_images(info)
        return info

    update_node = add_node

    def remove_node(self, name: str) -> Optional[NodeInfo]:
        info = self.by_name.pop(name, None)
        if info is None:
            return None
        self._drop_images(info)
        self._remove_from_tree(name)
        self._with_affinity.discard(name)
        self._with_anti_affinity.discard(name)
        self._order = None
        self._affinity_lists = None
        for pi in info.pods:
            self.pod_node.pop(pi.uid, None)
        return info

    def _remove_from_tree(self, name: str) -> None:
        zone = self._node_zone.pop(name, None)
        if zone is not None:
            names = self._zones[zone]
            names.remove(name)
            if not names:
                del self._zones[zone]

    def _add_images(self, info: NodeInfo) -> None:
        info.image_states = {}
        if (info.node.get("status") or {}).get("images"):
            self.images_version += 1
        for image in (info.node.get("status") or {}).get("images") or []:
            for name in image.get("names") or []:
                state = self.images.get(name)
                if state is None:
                    state = self.images[name] = ImageState(image.get("sizeBytes", 0))
                state.nodes.add(info.name)
                info.image_states[name] = state

    def _drop_images(self, info: NodeInfo) -> None:
        if info.image_states:
            self.images_version += 1
        for name, state in info.image_states.items():
            state.nodes.discard(info.name)
            if not state.nodes:
                self.images.pop(name, None)
        info.image_states = {}

    # ------------------------------------------------------------------ pods
    def add_pod(self, pod, node_name: Optional[str] = None) -> Optional[PodInfo]:
        """Count a Pod on its node (``spec.nodeName`` or ``node_name``, for an assumed Pod)."""
        pi = pod_info_of(pod)
        node_name = node_name or pi.node_name
        info = self.by_name.get(node_name)
        if info is None:
            return None
        info.add_pod(pi)
        self.pod_node[pi.uid] = node_name
        self.pod_namespaces.add(pi.namespace)
        self._index(info)
        return pi

    def remove_pod(self, pod) -> Optional[str]:
        """Stop counting a Pod wherever it is counted; returns the node name."""
        uid = pod_uid(pod)
        node_name = self.pod_node.pop(uid, None)
        info = self.by_name.get(node_name) if node_name else None
        if info is not None:
            info.remove_pod(pod)
            self._index(info)
        return node_name

    def _index(self, info: NodeInfo) -> None:
        for names, has in ((self._with_affinity, info.pods_with_affinity),
                           (self._with_anti_affinity, info.pods_with_required_anti_affinity)):
            if has and info.name not in names:
                names.add(info.name)
                self._affinity_lists = None
            elif not has and info.name in names:
                names.discard(info.name)
                self._affinity_lists = None

    def labels_of_namespace(self, namespace: str) -> dict:
        """A namespace's labels (every namespace has ``kubernetes.io/metadata.name``)."""
        labels = self.namespace_labels.get(namespace)
        return labels if labels is not None else {"kubernetes.io/metadata.name": namespace}

    def namespaces_matching(self, selector) -> set:
        """Names of the known namespaces whose labels the selector selects."""
        names = set(self.namespace_labels) | self.pod_namespaces
        return {n for n in names if selector.matches(self.labels_of_namespace(n))}

    # ------------------------------------------------------------------ other objects
    def set_object(self, obj: dict) -> None:
        """Remember a Service, ReplicaSet, StatefulSet, ReplicationController or Namespace."""
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
        if kind == "Namespace":
            self.namespace_labels[meta.get("name")] = meta.get("labels") or {}
            return
        store = self._store(kind)
        if store is not None:
            store[key] = obj

    def delete_object(self, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Namespace":
            self.namespace_labels.pop(meta.get("name"), None)
            return
        store = self._store(obj.get("kind"))
        if store is not None:
            store.pop(f"{meta.get('namespace') or 'default'}/{meta.get('name')}", None)

    def _store(self, kind: str) -> Optional[dict]:
        return {"Service": self.services, "ReplicaSet": self.replicasets,
                "StatefulSet": self.statefulsets,
                "ReplicationController": self.replication_controllers}.get(kind)
