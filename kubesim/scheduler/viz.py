"""Figures of one scheduling cycle, drawn from an :class:`~kubesim.scheduler.Explanation`.

* :func:`filter_table` — which node fails which filter plugin, and why (a table);
* :func:`score_heatmap` — normalized score per plugin × node, the weights, the totals;
* :func:`cycle_animation` — the cycle step by step: filters knock nodes out one plugin at
  a time, then each score plugin stacks its weighted points, then the winner lights up.

All are ``plotly.graph_objects.Figure`` (animations use frames and a slider, ≤ 100 frames).
"""
from __future__ import annotations

import plotly.graph_objects as go

from ..viz.player import add_player

FONT = dict(family="Arial, Helvetica, sans-serif", size=12)
OK, BAD, SKIP, WIN = "#e8f5e9", "#fdecea", "#f1f3f5", "#ffc107"
PLUGIN_COLORS = ["#1f6fb5", "#2e8b57", "#8e44ad", "#e07b00", "#17a2b8", "#a0522d", "#c2185b", "#607d8b"]


def _short(name: str) -> str:
    return (name.replace("NodeResources", "NodeRes.").replace("BalancedAllocation", "Balanced")
            .replace("InterPodAffinity", "InterPodAff.").replace("PodTopologySpread", "TopologySpread"))


def _two_lines(name: str) -> str:
    """``NodeUnschedulable`` → ``Node<br>Unschedulable``: table headers do not wrap words."""
    caps = [i for i, ch in enumerate(name) if ch.isupper() and i > 0]
    if not caps or len(name) < 11:
        return name
    cut = min(caps, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "<br>" + name[cut:]


def filter_table(x, title: str = "Filter: which node fails which plugin") -> go.Figure:
    """One row per node: ✓ / ✗ / skip for each filter plugin (in the order they run), then
    the verdict and, for a filtered-out node, the reason the failing plugin gave."""
    verdicts = x.verdicts()
    plugins = x.filter_plugins
    header = ["node"] + [_two_lines(_short(p)) for p in plugins] + ["result"]
    cells, fills = [[] for _ in header], [[] for _ in header]
    lines = []
    for n in x.nodes:
        fits = n in x.feasible
        cells[0].append(f"<b>{n}</b>")
        fills[0].append(OK if fits else BAD)
        for i, p in enumerate(plugins, start=1):
            v = verdicts[n][p]
            failed = v.startswith("✗")
            cells[i].append("✗" if failed else v)
            fills[i].append(BAD if failed else SKIP if v in ("skip", "") else OK)
        reason = "fits" if fits else "✗ " + x.filtered.get(n, "filtered out")
        cells[-1].append(reason)
        fills[-1].append(OK if fits else BAD)
        lines.append(1 + len(reason) // 42)      # the result column wraps at ~42 characters
    fig = go.Figure(go.Table(
        columnwidth=[1.1] + [1.2] * len(plugins) + [3.4],
        header=dict(values=header, fill_color="#dee2e6", font=dict(size=10), align="left", height=34),
        cells=dict(values=cells, fill_color=fills, align="left", font=dict(size=11), height=24)))
    fig.update_layout(title=title, font=FONT, template="plotly_white",
                      height=110 + sum(10 + 16 * k for k in lines), margin=dict(l=10, r=10, t=50, b=10))
    return fig


def score_heatmap(x, title: str = "Score: normalized 0–100 per plugin (× weight)") -> go.Figure:
    """Plugins × feasible nodes, with a last row of weighted totals; the winner is marked."""
    nodes = x.feasible
    plugins = [p for p in x.weights]
    if not nodes:
        fig = go.Figure()
        fig.add_annotation(text="no node passed the filters — nothing to score", showarrow=False)
        fig.update_layout(title=title, font=FONT, template="plotly_white", height=200)
        return fig
    z = [[x.scores[n].get(p, 0) for n in nodes] for p in plugins]
    text = [[f"{x.scores[n].get(p, 0)}" for n in nodes] for p in plugins]
    ylabels = [f"{_short(p)} ×{x.weights[p]}" for p in plugins]
    top = max(x.total.values())
    fig = go.Figure(go.Heatmap(z=z, x=nodes, y=ylabels, text=text, texttemplate="%{text}",
                               colorscale="Blues", zmin=0, zmax=100, showscale=False,
                               hovertemplate="%{y} on %{x}: %{z}<extra></extra>"))
    totals = [x.total[n] for n in nodes]
    fig.add_trace(go.Heatmap(z=[totals], x=nodes, y=["weighted total"], text=[[str(t) for t in totals]],
                             texttemplate="<b>%{text}</b>", colorscale=[[0, "#fff3cd"], [1, WIN]],
                             showscale=False, hovertemplate="total on %{x}: %{z}<extra></extra>",
                             xaxis="x", yaxis="y2"))
    for n, t in zip(nodes, totals):
        if t == top:
            fig.add_annotation(x=n, y=1.0, yref="paper", text="★ best", showarrow=False,
                               yanchor="bottom", font=dict(color="#b8860b", size=13))
    fig.update_layout(title=title, font=FONT, template="plotly_white",
                      height=140 + 34 * (len(plugins) + 1),
                      yaxis=dict(domain=[0.22, 1], autorange="reversed"),
                      yaxis2=dict(domain=[0, 0.16]), margin=dict(l=10, r=10, t=60, b=10))
    return fig


def cycle_animation(x, title: str = "One scheduling cycle", duration: int = 700) -> go.Figure:
    """Filter plugin by plugin, then score plugin by plugin, then the winner."""
    nodes = x.nodes
    verdicts = x.verdicts()
    scorers = list(x.weights)
    colors = {p: PLUGIN_COLORS[i % len(PLUGIN_COLORS)] for i, p in enumerate(scorers)}
    top = max(x.total.values()) if x.total else 1
    ymax = max(top * 1.15, 10)

    steps = [("start", "all nodes are candidates", set(), 0, False)]
    out: set = set()
    for p in x.filter_plugins:
        now_out = {n for n in nodes if verdicts[n][p].startswith("✗")}
        out = out | now_out
        label = "skip: nothing to check" if verdicts[nodes[0]][p] == "skip" and nodes else \
            f"{len(now_out)} node(s) rejected"
        steps.append((f"Filter {_short(p)}", label, set(out), 0, False))
    for k in range(1, len(scorers) + 1):
        steps.append((f"Score {_short(scorers[k - 1])} ×{x.weights[scorers[k - 1]]}",
                      "weighted points added", set(out), k, False))
    steps.append(("winner", f"→ {x.selected}" if x.selected else "no node fits", set(out),
                  len(scorers), True))

    def traces(filtered: set, k: int, final: bool) -> list:
        data = []
        for p in scorers[:k] if k else []:
            ys = [x.scores[n].get(p, 0) * x.weights[p] if n in x.total else 0 for n in nodes]
            data.append(go.Bar(x=nodes, y=ys, name=_short(p), marker_color=colors[p],
                               hovertemplate=f"{p}: %{{y}}<extra></extra>"))
        for p in scorers[k:]:
            data.append(go.Bar(x=nodes, y=[0] * len(nodes), name=_short(p), marker_color=colors[p],
                               showlegend=True))
        labels = []
        for n in nodes:
            if n in filtered:
                labels.append("✗ " + _short(x.filtered.get(n, "").split(": ", 1)[0]))
            elif final and n == x.selected:
                labels.append(f"★ {x.total.get(n, 0)}")
            elif k:
                labels.append(str(sum(x.scores[n].get(p, 0) * x.weights[p] for p in scorers[:k])))
            else:
                labels.append("candidate")
        colors_ = ["#d62728" if n in filtered else (WIN if final and n == x.selected else "#333")
                   for n in nodes]
        data.append(go.Scatter(x=nodes, y=[ymax * 0.93] * len(nodes), mode="text", text=labels,
                               textfont=dict(color=colors_, size=11), showlegend=False,
                               hoverinfo="skip"))
        return data

    frames = [go.Frame(data=traces(f, k, w), name=str(i)) for i, (_, _, f, k, w) in enumerate(steps)]
    fig = go.Figure(data=frames[-1].data, frames=frames)
    fig.update_layout(barmode="stack", title=title, font=FONT, template="plotly_white", height=450,
                      yaxis=dict(title="weighted score", range=[0, ymax]),
                      legend=dict(orientation="h", y=-0.38), margin=dict(l=50, r=10, t=60, b=130))
    add_player(fig, frames, [f"{a}: {b}" for a, b, *_ in steps], duration=duration, prefix="step: ")
    fig.layout.updatemenus[0].y = fig.layout.sliders[0].y = -0.09    # below the node names
    return fig
