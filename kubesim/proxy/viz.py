"""Figures of Service traffic, drawn from the trace and from request results.

* :func:`request_animation` — requests travelling client Pod → CoreDNS → the node's
  kube-proxy rules → a backend Pod and back, step by step (read from the trace records
  tagged with each request's ``conn`` id);
* :func:`distribution` — requests per Pod for several runs side by side (iptables vs IPVS);
* :func:`choice_strip` — which Pod served request 1, 2, 3 … (random vs round-robin);
* :func:`timeline` — every request over time, by the Pod that served it, errors in red.

All are plain ``go.Figure`` objects (animation with ≤ 100 frames, no FigureWidget).
"""
from __future__ import annotations

from typing import Iterable, Optional

import plotly.graph_objects as go

from ..viz import style
from ..viz.player import MAX_FRAMES, add_player

POD_COLORS = ["#1f6fb5", "#2a9d8f", "#e07b00", "#8e44ad", "#a0522d", "#17a2b8", "#6c757d",
              "#b5651d", "#2e8b57", "#c2185b"]
ERROR_COLOR = "#d62728"


def _pod_colors(pods: Iterable[str]) -> dict:
    return {p: POD_COLORS[i % len(POD_COLORS)] for i, p in enumerate(sorted(set(pods)))}


# ---------------------------------------------------------------------- the path of requests
def _steps(cluster, results) -> list[tuple]:
    """(time, from, to, label, request id) for each hop of the given requests, in order.

    Messages come from the trace (tagged ``conn``); the rules' DNAT record becomes a hop from
    the sender to its node's rules, and the packet after it leaves from those rules.
    """
    conns = {r.id for r in results}
    steps, via = [], {}
    for rec in cluster.trace:
        conn = rec.ref.get("conn")
        if conn not in conns:
            continue
        if rec.kind == "message":
            src = via.pop((conn, rec.source), rec.source)
            steps.append((rec.time, src, rec.target, rec.summary, conn))
        elif rec.ref.get("step") == "dnat":
            rules = "rules/" + rec.source[len("kube-proxy-"):]
            sender = rec.ref.get("client", "")
            steps.append((rec.time, sender, rules, rec.summary, conn))
            via[(conn, sender)] = rules
    return steps


def _places(cluster, steps) -> dict:
    """Positions: one column per node (its rules on top, its Pods below), CoreDNS above."""
    hosts = list(cluster.kubelets)
    col = {h: i for i, h in enumerate(hosts)}
    pos = {"coredns": (col.get(cluster.dns.host, 0), 3.15)}
    used = {s[1] for s in steps} | {s[2] for s in steps}
    for h in hosts:
        pos[f"rules/{h}"] = (col[h], 2.15)
        if f"node/{h}" in used:
            pos[f"node/{h}"] = (col[h] - 0.3, 2.15)
    if "external-client" in used:
        pos["external-client"] = (-0.9, 2.15)
    by_node: dict[str, list] = {}
    for name in sorted(n for n in used if n not in pos and "/" in n):
        ns, pod = name.split("/", 1)
        obj = cluster.get("Pod", pod, ns)
        by_node.setdefault((obj or {}).get("spec", {}).get("nodeName") or hosts[0], []).append(name)
    for node, names in by_node.items():
        for i, name in enumerate(names):
            pos[name] = (col.get(node, 0), 1.45 - 0.5 * i)
    return pos


def _label(name: str) -> str:
    if name.startswith("rules/"):
        return "kube-proxy rules"
    if name.startswith("node/"):
        return "node IP"
    return name.split("/", 1)[-1]


def request_animation(cluster, results, title: Optional[str] = None) -> go.Figure:
    """Animate the hops of a few requests (``HttpResult`` objects), one hop per frame."""
    results = list(results)
    steps = _steps(cluster, results)
    pos = _places(cluster, steps)
    fig = go.Figure()
    hosts = list(cluster.kubelets)
    for i, h in enumerate(hosts):
        fig.add_shape(type="rect", x0=i - 0.46, x1=i + 0.46, y0=-0.5, y1=2.55, line=dict(color="#2e8b57"),
                      fillcolor="#eaf6ee", layer="below")
        fig.add_annotation(x=i, y=2.68, text=f"<b>{h}</b>", showarrow=False, font=dict(size=11))
    names = sorted(pos)
    colors = ["#5f7f9f" if n.startswith(("rules/", "node/")) else "#e07b00" if n == "coredns"
              else "#7b4fa0" if n.endswith("/client") or n == "external-client" else "#1f6fb5" for n in names]
    fig.add_trace(go.Scatter(x=[pos[n][0] for n in names], y=[pos[n][1] for n in names],
                             mode="markers+text", text=[_label(n) for n in names], textposition="bottom center",
                             textfont=dict(size=10), hovertext=names, hoverinfo="text", name="places",
                             marker=dict(size=15, color=colors,
                                         symbol=["square" if n.startswith("rules/") else "circle" for n in names])))
    number = {r.id: i + 1 for i, r in enumerate(results)}
    steps = [(t, src, dst, label, number[conn]) for t, src, dst, label, conn in steps]
    ends = _frame_ends(len(steps))
    frames = [go.Frame(name=str(k), data=[_trail(steps[:end], pos), _head(steps[end - 1], pos),
                                          _caption(steps[end - 1])], traces=[1, 2, 3])
              for k, end in enumerate(ends)]
    last = frames[-1].data if frames else [_trail([], pos), _head(None, pos), _caption(None)]
    for trace in last:
        fig.add_trace(trace)
    style.base_layout(fig, title or f"{len(results)} request(s): DNS → virtual IP → node rules → Pod",
                      height=470)
    style.hide_axes(fig)
    fig.update_xaxes(range=[-1.3 if "external-client" in pos else -0.6, len(hosts) - 0.4])
    fig.update_yaxes(range=[-0.85, 3.55])
    fig.update_layout(showlegend=False)
    if frames:
        add_player(fig, frames, [f"hop {end}/{len(steps)}" for end in ends], duration=400)
    return fig


def _frame_ends(total: int) -> list[int]:
    n = max(1, min(total, MAX_FRAMES))
    return sorted({max(1, round(total * (k + 1) / n)) for k in range(n)}) if total else []


def _xy(pos, name):
    return pos.get(name, (-0.5, 0.0))


def _trail(shown, pos) -> go.Scatter:
    """The last few hops, faint."""
    xs, ys = [], []
    for _t, src, dst, _label, _c in shown[-8:]:
        (x0, y0), (x1, y1) = _xy(pos, src), _xy(pos, dst)
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(31,111,181,0.3)", width=2),
                      hoverinfo="skip", name="hops")


def _head(step, pos) -> go.Scatter:
    """The current hop: a thick arrow from its source to its target."""
    if step is None:
        return go.Scatter(x=[], y=[], mode="markers", name="now")
    _t, src, dst, label, _c = step
    (x0, y0), (x1, y1) = _xy(pos, src), _xy(pos, dst)
    color = ERROR_COLOR if "RST" in label else "#e6a700"
    return go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines+markers", name="now",
                      line=dict(color=color, width=5), hovertext=[label, label], hoverinfo="text",
                      marker=dict(size=[0, 20], symbol="arrow", angleref="previous", color=color))


def _caption(step) -> go.Scatter:
    text = "" if step is None else f"request {step[4]} · t = {step[0]:.4f} s · {step[3]}"
    return go.Scatter(x=[-0.5], y=[-0.72], mode="text", text=[text], textposition="middle right",
                      hoverinfo="skip", name="caption")


# ---------------------------------------------------------------------- distributions
def distribution(runs: dict, title: str = "Requests per Pod") -> go.Figure:
    """Grouped bars: requests each Pod served, one group per run (``{label: LoadResult}``)."""
    fig = go.Figure()
    pods = sorted({p for run in runs.values() for p in run.counts})
    palette = ["#1f6fb5", "#e07b00", "#2a9d8f", "#8e44ad"]
    for i, (label, run) in enumerate(runs.items()):
        fig.add_trace(go.Bar(name=label, x=pods, y=[run.counts.get(p, 0) for p in pods],
                             marker_color=palette[i % len(palette)],
                             text=[run.counts.get(p, 0) for p in pods], textposition="outside"))
    first = next(iter(runs.values()), None)
    if first is not None and pods:
        fair = first.total / len(pods)
        fig.add_hline(y=fair, line=dict(color="#555", dash="dot"),
                      annotation_text=f"1/{len(pods)} of the requests", annotation_position="top left")
    style.base_layout(fig, title, height=380)
    fig.update_layout(barmode="group", yaxis_title="requests", margin=dict(t=90),
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    return fig


def choice_strip(runs: dict, n: int = 30, title: str = "Which Pod answered request 1, 2, 3 …") -> go.Figure:
    """One row per run: a coloured square per request, coloured by the Pod that served it."""
    fig = go.Figure()
    pods = sorted({r.pod for run in runs.values() for r in run.results[:n] if r.pod})
    colors = _pod_colors(pods)
    for row, (label, run) in enumerate(runs.items()):
        chosen = run.results[:n]
        fig.add_trace(go.Scatter(
            x=list(range(1, len(chosen) + 1)), y=[label] * len(chosen), mode="markers", name=label,
            marker=dict(symbol="square", size=16, color=[colors.get(r.pod, ERROR_COLOR) for r in chosen]),
            hovertext=[r.pod or r.error for r in chosen], hoverinfo="text", showlegend=False))
    for pod, color in colors.items():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=pod,
                                 marker=dict(symbol="square", size=12, color=color)))
    style.base_layout(fig, title, height=120 + 60 * len(runs))
    fig.update_layout(xaxis_title="request #", legend=dict(orientation="h", y=-0.5))
    return fig


def timeline(run, marks: Iterable[tuple] = (), title: str = "Each request, by the Pod that answered") -> go.Figure:
    """Requests over time (x) by serving Pod (y); failures in red on their own row."""
    fig = go.Figure()
    ok = [r for r in run.results if r.ok]
    bad = [r for r in run.results if not r.ok]
    t0 = run.results[0].start if run.results else 0.0
    colors = _pod_colors(r.pod for r in ok)
    for pod, color in colors.items():
        mine = [r for r in ok if r.pod == pod]
        fig.add_trace(go.Scatter(x=[r.start - t0 for r in mine], y=[pod] * len(mine), mode="markers",
                                 marker=dict(size=4, color=color), name=pod, showlegend=False))
    if bad:
        fig.add_trace(go.Scatter(x=[r.start - t0 for r in bad], y=[f"error: {r.error}" for r in bad],
                                 mode="markers", marker=dict(size=5, color=ERROR_COLOR, symbol="x"),
                                 name="errors", showlegend=False))
    for t, label in marks:
        fig.add_vline(x=t, line=dict(color="#555", dash="dash"))
        fig.add_annotation(x=t, y=1.0, yref="paper", text=label, showarrow=False, xanchor="left",
                           yanchor="bottom", xshift=4, font=dict(size=10))
    rows = len(colors) + (1 if bad else 0)
    style.base_layout(fig, title, height=160 + 28 * rows)
    fig.update_layout(xaxis_title="seconds since the first request")
    fig.update_yaxes(categoryorder="category descending")
    return fig
