"""The EndpointSlice controller: which Pods stand behind each Service (pkg/controller/endpointslice).

For every Service with a selector it lists the Pods of the Service's namespace that match,
and writes their addresses into EndpointSlices labelled
``kubernetes.io/service-name=<service>`` — at most :data:`MAX_ENDPOINTS_PER_SLICE` (100, the
``--max-endpoints-per-slice`` default) endpoints per slice.  Each endpoint carries the
conditions kube-proxy and CoreDNS act on (``ShouldPodBeInEndpoints`` and
``podToEndpoint`` in pkg/controller/util/endpoint and staging/.../endpointslice/utils.go):

* ``serving``     — the Pod's ``Ready`` condition (which kubelet sets from readiness probes);
* ``terminating`` — the Pod has a ``deletionTimestamp``;
* ``ready``       — serving and not terminating (or ``publishNotReadyAddresses``).

Pods without an IP yet, and Pods that finished (Succeeded/Failed), are left out.  A Service
whose selector matches nothing keeps one empty *placeholder* slice.  Endpoints are grouped
by their resolved ports (a named ``targetPort`` may resolve differently per Pod); existing
slices are updated in place and new endpoints fill the slices that have room first, as the
reconciler (reconciler.go) does.

kubesim simplifications: slices are removed by this controller when their Service goes (the
real cluster leaves that to the garbage collector through ownerReferences), and a
placeholder slice is reused when endpoints appear.
"""
from __future__ import annotations

from ..api.podutil import is_pod_ready
from ..api.selectors import matches
from ..errors import StatusError
from ..util import deep_copy
from .base import Controller

MAX_ENDPOINTS_PER_SLICE = 100
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
HEADLESS = "service.kubernetes.io/headless"
ZONE_LABEL = "topology.kubernetes.io/zone"


# ---------------------------------------------------------------------- pure helpers
def should_be_in_endpoints(pod: dict) -> bool:
    """``ShouldPodBeInEndpoints(pod, includeTerminating=true)``."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    return bool(status.get("podIP") or status.get("podIPs"))


def find_port(pod: dict, target) -> int | None:
    """``podutil.FindPort``: a numeric targetPort as is, a named one from the containers."""
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in pod["spec"].get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target:
                return port.get("containerPort")
    return None


def endpoint_ports(service: dict, pod: dict) -> list[dict]:
    """The slice ports for one Pod (``getEndpointPorts``); unresolved named ports are skipped."""
    out = []
    for sp in service["spec"].get("ports") or []:
        number = find_port(pod, sp.get("targetPort", sp.get("port")))
        if number is None:
            continue
        port = {"name": sp.get("name", ""), "port": number, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def pod_to_endpoint(service: dict, pod: dict, node: dict | None) -> dict:
    """``podToEndpoint``: address, conditions, topology and a reference to the Pod."""
    publish = bool(service["spec"].get("publishNotReadyAddresses"))
    serving = is_pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ep = {"addresses": [pod["status"]["podIP"]],
          "conditions": {"ready": publish or (serving and not terminating),
                         "serving": serving, "terminating": terminating},
          "nodeName": pod["spec"].get("nodeName", ""),
          "targetRef": {"kind": "Pod", "namespace": pod["metadata"]["namespace"],
                        "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}}
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
    if zone:
        ep["zone"] = zone
    spec = pod["spec"]
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"]:
        ep["hostname"] = spec["hostname"]
    if not ep["nodeName"]:
        del ep["nodeName"]
    return ep


def _is_placeholder(eps: dict) -> bool:
    return not eps.get("endpoints") and not eps.get("ports")


def _ports_key(ports: list[dict]) -> tuple:
    return tuple((p.get("name", ""), p.get("port"), p.get("protocol", "TCP")) for p in ports)


def _address(ep: dict) -> str:
    return (ep.get("addresses") or [""])[0]


# ---------------------------------------------------------------------- the controller
class EndpointSliceController(Controller):
    """Keeps each selector Service's EndpointSlices equal to its matching Pods."""

    name = "endpointslice-controller"
    workers = 2

    def __init__(self, manager):
        super().__init__(manager)
        # Slices this controller wrote and the resourceVersion it got back: a cache that
        # has not caught up with them is stale (the real endpointSliceTracker).
        self.written: dict[str, dict[str, str]] = {}
        services = self.informer("services")
        services.add_handlers(on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                              on_delete=self.enqueue)
        pods = self.informer("pods")
        pods.add_handlers(on_add=self._pod_changed,
                          on_update=lambda old, new: self._pod_changed(new, old),
                          on_delete=self._pod_changed)
        slices = self.informer("endpointslices")
        slices.add_handlers(on_add=self._slice_changed,
                            on_update=lambda old, new: self._slice_changed(new),
                            on_delete=self._slice_changed)
        self.informer("nodes")

    # ------------------------------------------------------------------ event handlers
    def _pod_changed(self, pod: dict, old: dict | None = None) -> None:
        """Enqueue every Service of the Pod's namespace that selects it (before or after)."""
        if old is not None and not _endpoint_relevant_change(old, pod):
            return
        ns = pod["metadata"]["namespace"]
        label_sets = [pod["metadata"].get("labels") or {}]
        if old is not None:
            label_sets.append(old["metadata"].get("labels") or {})
        for svc in self.informer("services").list():
            if svc["metadata"]["namespace"] != ns:
                continue
            selector = svc["spec"].get("selector")
            if selector and any(all(labels.get(k) == v for k, v in selector.items())
                                for labels in label_sets):
                self.enqueue(svc)

    def _slice_changed(self, eps: dict) -> None:
        labels = eps["metadata"].get("labels") or {}
        if labels.get(MANAGED_BY) == CONTROLLER_NAME and labels.get(SERVICE_NAME):
            self.queue.add(f"{eps['metadata']['namespace']}/{labels[SERVICE_NAME]}")

    # ------------------------------------------------------------------ reconcile
    def _owned_slices(self, ns: str, name: str) -> list[dict]:
        return [s for s in self.informer("endpointslices").list()
                if s["metadata"]["namespace"] == ns
                and (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
                and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME]

    def _stale(self, key: str, slices: list[dict]) -> bool:
        """Has the informer not yet seen every slice write this controller made?"""
        have = {s["metadata"]["name"]: int(s["metadata"]["resourceVersion"]) for s in slices}
        for name, rv in (self.written.get(key) or {}).items():
            if rv == "deleted":
                if name in have:
                    return True
            elif have.get(name, 0) < int(rv):
                return True
        return False

    def reconcile(self, key: str):
        """Make the slices of Service ``key`` list exactly its Pods (or remove them)."""
        ns, name = key.split("/", 1)
        service = self.informer("services").get(key)
        slices = self._owned_slices(ns, name)
        if self._stale(key, slices):
            return          # the slice events still on their way will enqueue us again
        self.written.pop(key, None)
        if service is None or service["spec"].get("selector") is None:
            for eps in slices:
                yield from self._delete(key, eps)
            return
        creates, updates, deletes = self.plan(service, slices, self._desired(service))
        for eps in creates:
            created = yield self.client.create("endpointslices", eps, namespace=ns)
            self._remember(key, created)
        for eps in updates:
            self._remember(key, (yield self.client.update("endpointslices", eps)))
        for eps in deletes:
            yield from self._delete(key, eps)

    def _desired(self, service: dict) -> dict[tuple, tuple[list, dict[str, dict]]]:
        """Desired endpoints grouped by port set: {ports key: (ports, {address: endpoint})}."""
        ns = service["metadata"]["namespace"]
        selector = {"matchLabels": service["spec"]["selector"]}
        nodes = self.informer("nodes")
        groups: dict[tuple, tuple[list, dict[str, dict]]] = {}
        for pod in self.informer("pods").list():
            if pod["metadata"]["namespace"] != ns or not should_be_in_endpoints(pod):
                continue
            if not matches(selector, pod["metadata"].get("labels") or {}):
                continue
            ports = endpoint_ports(service, pod)
            ep = pod_to_endpoint(service, pod, nodes.get(pod["spec"].get("nodeName") or ""))
            groups.setdefault(_ports_key(ports), (ports, {}))[1][_address(ep)] = ep
        return groups

    def plan(self, service: dict, slices: list[dict], desired: dict) -> tuple[list, list, list]:
        """``reconcileByAddressType``: which slices to create, update and delete."""
        creates, updates, deletes, kept = [], [], [], []
        placed: set[tuple] = set()
        for eps in slices:                     # 1. existing slices keep what is still wanted
            pk = _ports_key(eps.get("ports") or [])
            if pk not in desired:
                deletes.append(eps)
                continue
            wanted = desired[pk][1]
            endpoints = []
            for ep in eps.get("endpoints") or []:
                addr = _address(ep)
                if addr in wanted and (pk, addr) not in placed:
                    placed.add((pk, addr))
                    endpoints.append(wanted[addr])
            updated = deep_copy(eps)
            updated["endpoints"] = endpoints
            _set_labels(updated, service)
            kept.append([updated, updated != eps])
        for pk in sorted(desired):             # 2. new endpoints fill slices with room first
            ports, wanted = desired[pk]
            fresh = [ep for addr, ep in sorted(wanted.items()) if (pk, addr) not in placed]
            for item in sorted((k for k in kept if _ports_key(k[0].get("ports") or []) == pk),
                               key=lambda k: not k[1]):
                room = MAX_ENDPOINTS_PER_SLICE - len(item[0]["endpoints"])
                if fresh and room > 0:
                    item[0]["endpoints"] += fresh[:room]
                    fresh, item[1] = fresh[room:], True
            while fresh:
                creates.append(self._new_slice(service, ports, fresh[:MAX_ENDPOINTS_PER_SLICE]))
                fresh = fresh[MAX_ENDPOINTS_PER_SLICE:]
        for eps, changed in kept:              # a slice left empty goes away
            if not eps["endpoints"]:
                deletes.append(eps)
            elif changed:
                updates.append(eps)
        if len(deletes) == len(slices) and not creates:
            placeholder = self._new_slice(service, [], [])
            if len(deletes) == 1 and _is_placeholder(deletes[0]):
                deletes = []                   # keep the placeholder we already have
            else:
                creates.append(placeholder)
        while creates and deletes:             # 3. finalize(): turn creates into updates
            reused = deletes.pop(0)
            eps = creates.pop()
            eps["metadata"] = dict(deep_copy(reused["metadata"]), labels=eps["metadata"]["labels"])
            updates.append(eps)
        return creates, updates, deletes

    # ------------------------------------------------------------------ writes
    def _new_slice(self, service: dict, ports: list[dict], endpoints: list[dict]) -> dict:
        meta = service["metadata"]
        eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                            "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                                 "name": meta["name"], "uid": meta["uid"],
                                                 "controller": True, "blockOwnerDeletion": True}]},
               "addressType": "IPv4", "ports": deep_copy(ports), "endpoints": endpoints}
        _set_labels(eps, service)
        return eps

    def _remember(self, key: str, eps: dict, rv: str = "") -> None:
        self.written.setdefault(key, {})[eps["metadata"]["name"]] = \
            rv or eps["metadata"]["resourceVersion"]

    def _delete(self, key: str, eps: dict):
        try:
            yield self.client.delete("endpointslices", eps["metadata"]["name"],
                                     namespace=eps["metadata"]["namespace"])
        except StatusError as err:
            if err.reason != "NotFound":
                raise
        self._remember(key, eps, "deleted")


def _set_labels(eps: dict, service: dict) -> None:
    """The Service's labels plus the controller's own (``setEndpointSliceLabels``)."""
    labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items()
              if k not in (MANAGED_BY, SERVICE_NAME, HEADLESS)}
    labels[SERVICE_NAME] = service["metadata"]["name"]
    labels[MANAGED_BY] = CONTROLLER_NAME
    if service["spec"].get("clusterIP") == "None":
        labels[HEADLESS] = ""
    eps["metadata"]["labels"] = labels


def _endpoint_relevant_change(old: dict, new: dict) -> bool:
    """``podEndpointsChanged``: only these changes can move an endpoint."""
    def view(pod):
        status = pod.get("status") or {}
        return (pod["metadata"].get("labels"), pod["metadata"].get("deletionTimestamp"),
                status.get("podIP"), status.get("phase"), is_pod_ready(pod),
                pod["spec"].get("nodeName"), pod["spec"].get("hostname"))
    return view(old) != view(new)


__all__ = ["EndpointSliceController", "MAX_ENDPOINTS_PER_SLICE", "pod_to_endpoint",
           "should_be_in_endpoints"]
