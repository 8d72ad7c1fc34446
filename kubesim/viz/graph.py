"""``component_graph``: a picture of the cluster's parts and who talks to whom."""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Optional

import plotly.graph_objects as go

from . import style
from .layout import Box, Layout, layout, runtime_name
from .tracedata import (Topology, down_at, lane_key, messages, node_of, pair, partition_at,
                        role, topology, trace_of)

#: Components that talk to kube-apiserver by design (drawn dotted until they do).
API_CLIENTS = {"kubectl", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy",
               "coredns"}


def component_graph(cluster, at: Optional[float] = None, highlight: Iterable[str] = (),
                    title: Optional[str] = None) -> go.Figure:
    """The component graph of ``cluster`` as it was at simulated time ``at`` (default: now).

    * the control plane (kube-apiserver, etcd, kube-scheduler, kube-controller-manager) in
      one region, the data plane below with one box per node (kubelet over the container
      runtime), grouped by zone, and kubectl on the learner's laptop above;
    * a line for every pair of components that exchanged messages up to ``at``, wider for
      more messages (width grows with the logarithm of the count); faint dotted lines for
      the paths that exist but have carried nothing yet;
    * components (and nodes) crashed at ``at`` in grey with a red outline;
    * ``highlight``: names to light up — components (``"kube-scheduler"``), roles
      (``"kubelet"``, ``"etcd"``, ``"container runtime"``), nodes (``"worker-1"``) or planes
      (``"control"``, ``"data"``).

    ``cluster`` may also be a bare :class:`~kubesim.trace.Trace` (the topology is then
    guessed from component names).
    """
    trace, topo = trace_of(cluster), topology(cluster)
    if at is None:
        at = getattr(cluster, "now", None)
    lay = layout(topo)
    fig = go.Figure()
    down = down_at(trace, at)
    lit = set(highlight)
    add_boxes(fig, lay, down, lit)
    add_edges(fig, topo, lay, edge_counts(trace, at))
    add_nodes(fig, topo, lay, down, lit)
    add_partition_note(fig, lay, partition_at(trace, at))
    when = "" if at is None else f" — t = {at:.1f} s"
    style.base_layout(fig, title or f"Where we are in the cluster{when}",
                      height=int(120 + 62 * lay.height))
    finish_axes(fig, lay)
    fig.add_annotation(x=0, y=-0.25, xref="x", yref="y", xanchor="left", yanchor="top",
                       showarrow=False, font=dict(size=10, color="#666"),
                       text="line width grows with the number of messages · "
                            "grey with red outline = crashed")
    return fig


def finish_axes(fig: go.Figure, lay: Layout, bottom: float = -0.5) -> None:
    """Hide the axes and frame the whole layout (``bottom`` leaves room for captions)."""
    style.hide_axes(fig)
    fig.update_xaxes(range=[-0.3, lay.width + 0.3])
    fig.update_yaxes(range=[bottom, lay.height])
    fig.update_layout(showlegend=False)


# ---------------------------------------------------------------------- reading the trace
def edge_counts(trace, at: Optional[float] = None, start: float = 0.0) -> Counter:
    """Messages per pair of components sent in ``[start, at]`` (dropped ones included)."""
    counts: Counter = Counter()
    for r in messages(trace, start, at):
        counts[pair(r.source, r.target)] += 1
    return counts


def expected_paths(topo: Topology) -> set[tuple]:
    """The paths the architecture provides even before anything is sent: the usual API
    clients talk to a kube-apiserver, and kube-apiserver to etcd (kubelet reaches its
    runtime through the CRI, drawn separately)."""
    apis = sorted((n for n in topo.places if role(n) == "kube-apiserver"), key=lane_key)
    clients = [n for n in topo.places if role(n) in API_CLIENTS]
    etcds = sorted((n for n in topo.places if role(n) == "etcd"), key=lane_key)
    paths = set()
    for name in clients:
        for api in apis[:1]:
            paths.add(pair(name, api))
    for api in apis:
        for member in etcds[:1]:
            paths.add(pair(api, member))
    return paths


def is_down(name: str, topo: Topology, down: set) -> bool:
    """Is a component (or a node's runtime) crashed, itself or through its host?"""
    if name.startswith("containerd-"):
        return name[len("containerd-"):] in down
    place = topo.places.get(name)
    return name in down or (place is not None and place.host in down)


def is_lit(name: str, topo: Topology, lit: set) -> bool:
    """Does ``highlight`` name this component, its role, its host or its plane?"""
    if name.startswith("containerd-"):
        host = name[len("containerd-"):]
        return bool({name, "container runtime", "containerd", host} & lit)
    place = topo.places.get(name)
    keys = {name, role(name)} | ({place.host, place.plane} if place else set())
    return bool(keys & lit)


# ---------------------------------------------------------------------- drawing
def add_boxes(fig: go.Figure, lay: Layout, down: set, lit: set) -> None:
    """Regions, zones and node boxes, with their labels (added in one go: plotly copies the
    whole list on every ``add_shape``)."""
    shapes, labels = [], []
    for box in lay.boxes:
        fill, line, dash = _box_look(box, down, lit)
        shapes.append(dict(type="rect", x0=box.x0, y0=box.y0, x1=box.x1, y1=box.y1,
                           layer="below", fillcolor=fill,
                           line=dict(color=line, width=2 if box.kind != "zone" else 0, dash=dash)))
        labels.append(_box_label(box, down))
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes,
                      annotations=list(fig.layout.annotations) + labels)


def _box_look(box: Box, down: set, lit: set) -> tuple:
    """Fill, outline colour and dash of a box (crashed nodes red, lit ones gold)."""
    if box.kind == "node":
        if box.host in down:
            return "#fde8e8", style.CRASHED_LINE, "dash"
        return "white", style.HIGHLIGHT if box.host in lit else "#9aa5b1", "solid"
    if box.kind == "zone":
        return "rgba(0,0,0,0)", "rgba(0,0,0,0)", "solid"
    line = style.HIGHLIGHT if box.kind in lit else style.REGION_LINE[box.kind]
    return style.REGION_FILL[box.kind], line, "solid"


def _box_label(box: Box, down: set) -> dict:
    """The label annotation of a box (node name in its corner, region name in bold)."""
    if box.kind == "node":
        text = box.label + (" (down)" if box.host in down else "")
        return dict(x=box.x0 + 0.06, y=box.y1 - 0.05, text=text, showarrow=False,
                    xanchor="left", yanchor="top", font=dict(size=10, color="#555"))
    if box.kind == "zone":
        return dict(x=(box.x0 + box.x1) / 2, y=(box.y0 + box.y1) / 2, text=f"<i>{box.label}</i>",
                    showarrow=False, font=dict(size=11, color="#555"))
    return dict(x=box.x0 + 0.1, y=box.y1 - 0.05, text=f"<b>{box.label}</b>", showarrow=False,
                xanchor="left", yanchor="top",
                font=dict(size=13, color=style.REGION_LINE[box.kind]))


def edge_width(count: int) -> float:
    """Line width for ``count`` messages: 1 px, plus 1.5 px per factor of ten."""
    return round(1 + 1.5 * math.log10(count), 2) if count else 1.0


def add_edges(fig: go.Figure, topo: Topology, lay: Layout, counts: Counter,
              opacity: float = 0.55) -> None:
    """Lines between components: traced paths solid, untouched paths dotted, CRI dashed."""
    hover_x, hover_y, hover_text = [], [], []
    for (a, b), n in sorted(counts.items()):
        if a in lay.pos and b in lay.pos:
            color = style.MESSAGE_COLORS["etcd" if "etcd" in (role(a), role(b)) else "request"]
            _line(fig, lay.pos[a], lay.pos[b], color, edge_width(n), "solid", opacity)
            hover_x.append((lay.pos[a][0] + lay.pos[b][0]) / 2)
            hover_y.append((lay.pos[a][1] + lay.pos[b][1]) / 2)
            hover_text.append(f"{a} ↔ {b}<br>{n} message{'s' if n != 1 else ''}")
    for a, b in sorted(expected_paths(topo) - set(counts)):
        if a in lay.pos and b in lay.pos:
            _line(fig, lay.pos[a], lay.pos[b], "#9aa5b1", 1, "dot", 0.6)
    for host in topo.hosts("data"):
        kubelet = f"kubelet-{host}"
        if kubelet in lay.pos:
            _line(fig, lay.pos[kubelet], lay.pos[runtime_name(host)], "#76b041", 2, "dash", 0.8)
    fig.add_trace(go.Scatter(x=hover_x, y=hover_y, mode="markers", hovertext=hover_text,
                             hoverinfo="text", marker=dict(size=10, opacity=0), name="paths"))


def _line(fig, p, q, color, width, dash, opacity) -> None:
    """One straight line between two points (its own trace, so widths can differ)."""
    fig.add_trace(go.Scatter(x=[p[0], q[0]], y=[p[1], q[1]], mode="lines", hoverinfo="skip",
                             opacity=opacity, line=dict(color=color, width=width, dash=dash)))


def node_names(lay: Layout) -> list[str]:
    """Every placed marker, in lane order (so traces are stable)."""
    return sorted(lay.pos, key=lane_key)


def add_nodes(fig: go.Figure, topo: Topology, lay: Layout, down: set, lit: set) -> None:
    """One marker per component (and container runtime), highlighted ones with a halo."""
    names = node_names(lay)
    halo = [n for n in names if is_lit(n, topo, lit)]
    fig.add_trace(go.Scatter(x=[lay.pos[n][0] for n in halo], y=[lay.pos[n][1] for n in halo],
                             mode="markers", hoverinfo="skip", name="highlight",
                             marker=dict(size=40, color=style.HIGHLIGHT, opacity=0.45)))
    fig.add_trace(node_trace(topo, lay, names, down))


def node_trace(topo: Topology, lay: Layout, names: list[str], down: set) -> go.Scatter:
    """The component markers with their labels; crashed ones grey with a red outline."""
    crashed = [is_down(n, topo, down) for n in names]
    return go.Scatter(
        x=[lay.pos[n][0] for n in names], y=[lay.pos[n][1] for n in names],
        mode="markers+text", name="components", hoverinfo="text",
        text=[_label(n) + (" ✗" if c else "") for n, c in zip(names, crashed)],
        textposition=[_label_position(n) for n in names], textfont=dict(size=11),
        hovertext=[_hover(n, topo, c) for n, c in zip(names, crashed)],
        marker=dict(size=18, color=[style.CRASHED_FILL if c else style.color_of(n)
                                    for n, c in zip(names, crashed)],
                    line=dict(width=[3 if c else 1 for c in crashed],
                              color=[style.CRASHED_LINE if c else "white" for c in crashed])))


def _label_position(name: str) -> str:
    """Where a marker's label goes, chosen so that no line crosses it."""
    r = role(name)
    if node_of(name) or r == "kubectl":
        return "middle right"
    return "top right" if r == "kube-apiserver" else "bottom center"


def _label(name: str) -> str:
    """The text next to a marker (inside node boxes just ``kubelet``, ``containerd`` …)."""
    r = role(name)
    if r == "container runtime":
        return "containerd"
    return r if node_of(name) else name


def _hover(name: str, topo: Topology, crashed: bool) -> str:
    """What hovering a component shows: name, host, zone, plane, state."""
    state = "crashed" if crashed else "up"
    if name.startswith("containerd-"):
        host = name[len("containerd-"):]
        return (f"<b>container runtime</b> on {host}<br>kubelet calls it over the CRI "
                f"(a local call, not the network)<br>{state}")
    place = topo.places[name]
    zone = f", {place.zone}" if place.zone else ""
    return f"<b>{name}</b><br>host {place.host}{zone}<br>{place.plane} plane · {state}"


def add_partition_note(fig: go.Figure, lay: Layout, groups: list) -> None:
    """A red note naming the sides of a network partition, if one is in force."""
    if not groups:
        return
    sides = " | ".join("{" + ", ".join(g) + "}" for g in groups)
    fig.add_annotation(x=lay.width, y=lay.height - 0.1, xanchor="right", yanchor="top",
                       showarrow=False, font=dict(color=style.CRASHED_LINE, size=12),
                       text=f"network partition: {sides}")
