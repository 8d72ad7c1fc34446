"""A fixed, hand-made layout of the component graph (the same picture in every lesson).

::

                          laptop: kubectl
          ┌──────────── Control plane (the brain) ─────────────┐
          │ kube-controller-manager   kube-apiserver    etcd    │
          │ kube-scheduler                                      │
          └─────────────────────────────────────────────────────┘
          ┌──────────── Data plane (worker nodes) ──────────────┐
          │ zone-a  [control-plane] [worker-1] [worker-2] …     │   one box per node:
          │ zone-b  [worker-4] …                                │   kubelet over containerd
          └─────────────────────────────────────────────────────┘

Coordinates are plain numbers (one unit is roughly one node box); nothing here is random,
so the same cluster always gives the same picture.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .tracedata import Topology, natural_key, role

NODE_W, NODE_H, NODE_GAP = 1.7, 1.5, 0.3
ZONE_GAP = 0.4             # between the rows of two zones
EXTRA_ROW = 0.4            # more height per extra agent on a node (kube-proxy …)
LEFT = 1.0                 # room for the zone labels
CP_HEIGHT = 2.7


@dataclass
class Box:
    """A labelled rectangle drawn behind the markers (a region, a node or the laptop)."""

    x0: float
    y0: float
    x1: float
    y1: float
    label: str
    kind: str              # "control", "data", "client", "node" or "zone"
    host: str = ""


@dataclass
class Layout:
    """Marker positions (component name -> (x, y)) and the boxes around them."""

    pos: dict = field(default_factory=dict)
    boxes: list = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def runtime_name(host: str) -> str:
    """The container runtime of a node, drawn inside kubelet's box (``containerd-worker-1``)."""
    return f"containerd-{host}"


def zones_of(topo: Topology) -> dict[str, list[str]]:
    """Data-plane hosts grouped by zone (zones sorted, hosts in natural order)."""
    zones: dict[str, list[str]] = {}
    for host in topo.hosts("data"):
        zones.setdefault(topo.zone_of(host), []).append(host)
    return dict(sorted(zones.items()))


def layout(topo: Topology) -> Layout:
    """Place every component of ``topo`` (plus one container runtime per node)."""
    zones = zones_of(topo)
    widest = max([len(hosts) for hosts in zones.values()] + [1])
    width = max(8.0, LEFT + widest * (NODE_W + NODE_GAP) + 0.2)
    out = Layout(width=width)
    extra = max([len(node_agents(topo, h)) - 1 for h in topo.hosts("data")] + [0])
    node_h = NODE_H + EXTRA_ROW * max(extra, 0)
    data_top = len(zones) * (node_h + ZONE_GAP) + 0.3
    _place_data_plane(out, topo, zones, data_top, node_h)
    cp_bottom = data_top + 0.9
    cp_top = _place_control_plane(out, topo, cp_bottom)
    _place_clients(out, topo, cp_top)
    out.height = cp_top + 1.4
    return out


def node_agents(topo: Topology, host: str) -> list[str]:
    """The data-plane components on a node: kubelet first, then the others (kube-proxy …)."""
    names = [n for n in topo.on_host(host) if topo.places[n].plane == "data"]
    return sorted(names, key=lambda n: role(n) != "kubelet")


def _place_data_plane(out: Layout, topo: Topology, zones: dict, top: float,
                      node_h: float) -> None:
    """One row of node boxes per zone, top to bottom."""
    out.boxes.append(Box(0, 0, out.width, top + 0.5, "Data plane (worker nodes)", "data"))
    for row, (zone, hosts) in enumerate(zones.items()):
        y1 = top - row * (node_h + ZONE_GAP)
        out.boxes.append(Box(0.1, y1 - node_h, LEFT - 0.1, y1, zone or "nodes", "zone"))
        for i, host in enumerate(hosts):
            x0 = LEFT + i * (NODE_W + NODE_GAP)
            out.boxes.append(Box(x0, y1 - node_h, x0 + NODE_W, y1, host, "node", host))
            _place_node(out, topo, host, x0 + NODE_W / 2, y1, node_h)


def _place_node(out: Layout, topo: Topology, host: str, cx: float, top: float,
                node_h: float) -> None:
    """A column inside the node box: kubelet at the top, then any other node agent
    (kube-proxy …), and the container runtime at the bottom."""
    for i, name in enumerate(node_agents(topo, host)):
        out.pos[name] = (cx, top - 0.5 - EXTRA_ROW * i)
    out.pos[runtime_name(host)] = (cx, top - node_h + 0.35)


def _place_control_plane(out: Layout, topo: Topology, bottom: float) -> float:
    """kube-apiserver(s) in a row in the middle, etcd to the right (a quorum of members up
    and to the right, clear of the apiserver row), controller-manager and scheduler on
    the left, other control-plane components (coredns …) along the top right.  Returns the
    top of the region."""
    names = sorted((n for n, p in topo.places.items() if p.plane == "control"), key=natural_key)
    by_role: dict[str, list[str]] = {}
    for name in names:
        by_role.setdefault(role(name), []).append(name)
    apis, etcd = by_role.pop("kube-apiserver", []), by_role.pop("etcd", [])
    w, top = out.width, bottom + CP_HEIGHT + (0.7 if len(etcd) > 1 else 0)
    out.boxes.append(Box(0, bottom, w, top, "Control plane (the brain)", "control"))
    api_y = bottom + 1.0
    _row(out, apis, w / 2, api_y, 1.6)
    if len(etcd) == 1:
        out.pos[etcd[0]] = (w - 1.3, api_y)
    elif etcd:
        _ring(out, etcd, w - 1.3, top - 0.95)
    kcms, schedulers = by_role.pop("kube-controller-manager", []), by_role.pop("kube-scheduler", [])
    if len(apis) > 1 and len(kcms) == len(apis) == len(schedulers):
        # HA: one of each per control-plane node (leader-elected), stacked on its API server.
        for api, kcm, scheduler in zip(apis, kcms, schedulers):
            x = out.pos[api][0]
            out.pos[kcm] = (x, api_y + 1.0)
            out.pos[scheduler] = (x, api_y - 0.5)
    else:
        _row(out, kcms, 1.7, top - 0.8, 0.95)
        _row(out, schedulers, 1.7, bottom + 0.6, 0.95)
    extras = [n for group in by_role.values() for n in group]      # coredns …
    for i, name in enumerate(extras):
        out.pos[name] = (w / 2 + 1.5 * (i + 1), top - 0.55)
    return top


def _place_clients(out: Layout, topo: Topology, cp_top: float) -> None:
    """kubectl (and any other client) in the laptop box above the control plane."""
    clients = sorted((n for n, p in topo.places.items() if p.plane not in ("control", "data")),
                     key=natural_key)
    if not clients:
        return
    y = cp_top + 0.75
    half = 0.9 * len(clients) + 0.3
    out.boxes.append(Box(out.width / 2 - half, y - 0.4, out.width / 2 + half, y + 0.45,
                         "laptop", "client"))
    _row(out, clients, out.width / 2, y, 1.8)


def _row(out: Layout, names: list[str], cx: float, y: float, step: float) -> None:
    """Place ``names`` side by side, centred on ``cx``."""
    for i, name in enumerate(names):
        out.pos[name] = (cx + (i - (len(names) - 1) / 2) * step, y)


def _ring(out: Layout, names: list[str], cx: float, cy: float, radius: float = 0.7) -> None:
    """etcd members on a small circle (three make a triangle with one member on top)."""
    for i, name in enumerate(names):
        angle = math.pi / 2 + 2 * math.pi * i / len(names)
        out.pos[name] = (round(cx + radius * math.cos(angle), 6),
                         round(cy + 0.8 * radius * math.sin(angle), 6))
