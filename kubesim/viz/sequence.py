"""``sequence_diagram``: who sent what to whom, one lane per component, time going down."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import plotly.graph_objects as go

from . import style
from .layout import runtime_name
from .player import add_player, frame_ends
from .tracedata import (CATEGORIES, Include, category, describe, lane_key, node_of, role,
                        selected, trace_of)

#: kubelet's calls to its container runtime (CRI), recognised from what kubelet recorded.
CRI_CALLS = {"sandbox ready": "RunPodSandbox", "event Pulling:": "PullImage",
             "event Created:": "CreateContainer", "event Started:": "StartContainer",
             "event Killing:": "StopContainer"}
ROW_PX = 24
LABEL_CHARS = 34


@dataclass
class Row:
    """One line of the diagram: a message arrow, a CRI call, a note or a fault."""

    y: int
    record: object
    kind: str                 # "message", "cri", "note" or "fault"
    src: str = ""
    dst: str = ""


def sequence_diagram(trace_or_cluster, start: float = 0.0, end: Optional[float] = None,
                     components: Optional[Iterable[str]] = None, max_messages: int = 80,
                     animate: bool = True, include: Include = None,
                     exclude_rpc: Iterable[str] = (), notes: bool = True,
                     runtime: bool = True, title: Optional[str] = None) -> go.Figure:
    """A UML-style sequence diagram of the messages sent in ``[start, end]`` (seconds).

    One vertical lane per component — kubectl, kube-apiserver, etcd, kube-controller-manager,
    kube-scheduler, then each node's kubelet and container runtime — and one row per
    message, in the order they were sent (time goes down; the left axis shows the send
    time).  Arrows are coloured by kind (API request, reply, watch event, etcd, dropped);
    hover a label for the full summary and arrival time.

    * ``components``: only these lanes (names or roles such as ``"kubelet"``);
    * ``include`` / ``exclude_rpc``: as in :func:`kubesim.viz.tracedata.messages` — pass
      ``include=viz.pod_story(c, pod)`` to draw just how one Pod was created;
    * ``notes``: also show what components recorded (scheduled …, Events) on their lane;
    * ``runtime``: draw kubelet's CRI calls (RunPodSandbox, PullImage, …) to the node's
      container runtime as dashed arrows (a local call, not a network message);
    * at most ``max_messages`` messages; ``animate`` adds ▶ and a slider that reveal the
      rows step by step (at most 100 frames).
    """
    trace = trace_of(trace_or_cluster)
    rows, total = build_rows(selected(trace, start, end, include), components, max_messages,
                             set(exclude_rpc), notes, runtime)
    lanes = lane_names(rows)
    fig = go.Figure()
    draw_lanes(fig, lanes, len(rows))
    index = {name: i for i, name in enumerate(lanes)}
    traces = row_traces(rows, index)
    for t in traces.values():
        fig.add_trace(t)
    style.base_layout(fig, title or _title(start, end, rows, total),
                      height=max(420, 170 + ROW_PX * max(len(rows), 1)))
    _axes(fig, rows, len(lanes))
    _color_key(fig, rows)
    if animate and rows:
        _animate(fig, rows, traces)
    return fig


# ---------------------------------------------------------------------- rows
def build_rows(records, components, max_messages: int, skip_rpc: set, notes: bool,
               runtime: bool) -> tuple[list[Row], int]:
    """Rows for the records (messages first ``max_messages`` of them); also the total count."""
    wanted = _lane_filter(components)
    rows: list[Row] = []
    total = 0
    for r in records:
        row = _row_for(r, len(rows), skip_rpc, notes, runtime)
        if row is None or not (wanted(row.src) and (row.kind != "message" or wanted(row.dst))):
            continue
        if row.kind == "message":
            total += 1
            if total > max_messages:
                continue
        elif total >= max_messages:
            continue
        rows.append(row)
    return rows, total


def _row_for(r, y: int, skip_rpc: set, notes: bool, runtime: bool) -> Optional[Row]:
    """The row a record becomes, or None when it is not drawn."""
    if r.kind == "message":
        if r.ref.get("rpc") in skip_rpc:
            return None
        return Row(y, r, "message", r.source, r.target)
    if r.kind == "fault":
        return Row(y, r, "fault", "", "") if r.summary != "cluster started" else None
    if not notes or r.kind not in ("component", "event") or _is_request_log(r):
        return None
    call = cri_call(r)
    if runtime and call:
        return Row(y, r, "cri", r.source, runtime_name(r.source[len("kubelet-"):]))
    return Row(y, r, "note", r.source, "")


def _is_request_log(r) -> bool:
    """kube-apiserver's record of each write repeats what the messages show: skip it."""
    return role(r.source) == "kube-apiserver" and "verb" in r.ref


def cri_call(r) -> str:
    """The CRI call behind a kubelet record (``RunPodSandbox`` …), or ''."""
    if role(r.source) != "kubelet":
        return ""
    return next((call for prefix, call in CRI_CALLS.items() if r.summary.startswith(prefix)), "")


def _lane_filter(components):
    """A test on lane names from the ``components`` argument (names or roles)."""
    if components is None:
        return lambda name: True
    wanted = set(components)
    return lambda name: not name or name in wanted or role(name) in wanted or (
        role(name) == "container runtime" and "kubelet-" + name[len("containerd-"):] in wanted)


def lane_names(rows: list[Row]) -> list[str]:
    """The lanes to draw, in the standard order."""
    return sorted({n for row in rows for n in (row.src, row.dst) if n}, key=lane_key)


# ---------------------------------------------------------------------- drawing
def draw_lanes(fig: go.Figure, lanes: list[str], n_rows: int) -> None:
    """A header box and a dashed vertical line per lane."""
    bottom = -max(n_rows, 1)
    shapes, headers = [], []
    for x, name in enumerate(lanes):
        color = style.color_of(name)
        shapes.append(dict(type="line", x0=x, x1=x, y0=0.9, y1=bottom, layer="below",
                           line=dict(color=color, width=1, dash="dot")))
        headers.append(dict(x=x, y=1.0, text=f"<b>{lane_label(name)}</b>", showarrow=False,
                            yanchor="bottom", font=dict(size=10, color="white"), bgcolor=color,
                            borderpad=4, hovertext=name))
    fig.update_layout(shapes=shapes, annotations=headers)


def lane_label(name: str) -> str:
    """A lane header on two short lines (``kubelet<br>worker-1``) so many lanes fit."""
    r = role(name)
    if node_of(name):
        return name[:-len(node_of(name)) - 1] + "<br>" + node_of(name)
    if r in ("kube-apiserver", "kube-scheduler"):
        return name.replace("kube-", "kube-<br>", 1)
    return name.replace("kube-controller-manager", "kube-controller-<br>manager")


def row_traces(rows: list[Row], index: dict) -> dict[str, go.Scatter]:
    """The scatter traces of the diagram (arrows per category, CRI calls, labels, notes)."""
    traces = {cat: _arrows([r for r in rows if r.kind == "message" and category(r.record) == cat],
                           index, style.MESSAGE_COLORS[cat], CATEGORIES[cat])
              for cat in CATEGORIES}
    traces["cri"] = _arrows([r for r in rows if r.kind == "cri"], index, style.ROLE_COLORS[
        "container runtime"], "kubelet → container runtime (CRI, local)", dash="dash")
    traces["labels"] = _labels([r for r in rows if r.kind in ("message", "cri")], index)
    traces["notes"] = _notes([r for r in rows if r.kind == "note"], index)
    traces["faults"] = _faults([r for r in rows if r.kind == "fault"], index)
    return traces


def _arrows(rows: list[Row], index: dict, color: str, name: str, dash: str = "solid") -> go.Scatter:
    """Arrows (line + arrow head at the target) for message or CRI rows, one trace."""
    xs, ys, sizes, symbols = [], [], [], []
    for row in rows:
        x0, x1 = index[row.src], index[row.dst]
        if "dropped" in row.record.ref:
            x1 = x0 + 0.6 * (x1 - x0)
        xs += [x0, x1, None]
        ys += [-row.y, -row.y, None]
        sizes += [0, 11, 0]
        symbols += ["circle", "x" if "dropped" in row.record.ref else "arrow", "circle"]
    return go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, hoverinfo="skip",
                      showlegend=bool(rows), line=dict(color=color, width=1.6, dash=dash),
                      marker=dict(size=sizes, symbol=symbols, color=color, angleref="previous"))


def _labels(rows: list[Row], index: dict) -> go.Scatter:
    """The short label above each arrow, with the full summary on hover."""
    xs, ys, text, hover = [], [], [], []
    for row in rows:
        xs.append((index[row.src] + index[row.dst]) / 2)
        ys.append(-row.y)
        if row.kind == "cri":
            text.append(cri_call(row.record))
            hover.append(f"t={row.record.time:.6f} s  {row.src} → {row.dst} (CRI)<br>"
                         f"{row.record.summary}")
        else:
            text.append(_short(row.record.summary))
            hover.append(describe(row.record))
    return go.Scatter(x=xs, y=ys, mode="text", text=text, hovertext=hover, hoverinfo="text",
                      textposition="top center", textfont=dict(size=9, color="#333"),
                      showlegend=False, name="labels")


def _notes(rows: list[Row], index: dict) -> go.Scatter:
    """A square on the lane of the component that recorded something, with its text."""
    return go.Scatter(
        x=[index[r.src] for r in rows], y=[-r.y for r in rows], mode="markers+text",
        text=[_short(_note_text(r.record), 48) for r in rows], textposition="middle right",
        hovertext=[f"t={r.record.time:.6f} s  {r.src}<br>{r.record.summary}" for r in rows],
        hoverinfo="text", name="what a component recorded", showlegend=bool(rows),
        textfont=dict(size=9, color="#555"),
        marker=dict(symbol="square", size=8, color=[style.color_of(r.src) for r in rows]))


def _faults(rows: list[Row], index: dict) -> go.Scatter:
    """A red star and the fault's summary at the left of its row."""
    return go.Scatter(x=[-0.4] * len(rows), y=[-r.y for r in rows], mode="markers+text",
                      text=[f"<b>{r.record.summary}</b>" for r in rows],
                      textposition="middle right",
                      hovertext=[f"t={r.record.time:.6f} s  {r.record.summary}" for r in rows],
                      hoverinfo="text", name="fault", showlegend=bool(rows),
                      textfont=dict(color=style.CRASHED_LINE, size=11),
                      marker=dict(symbol="star", size=12, color=style.CRASHED_LINE))


def _note_text(r) -> str:
    """A note's text: Events as ``Reason — message``."""
    return r.summary[len("event "):].replace(":", " —", 1) if r.kind == "event" else r.summary


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _axes(fig: go.Figure, rows: list[Row], n_lanes: int) -> None:
    """Hidden x axis (lanes), y axis labelled with the send times, fixed ranges."""
    step = 1 if len(rows) <= 60 else 2
    fig.update_xaxes(visible=False, range=[-0.6, max(n_lanes, 2) - 0.2], fixedrange=True)
    fig.update_yaxes(range=[-max(len(rows), 1) - 0.5, 1.9], showgrid=False, zeroline=False,
                     tickvals=[-r.y for r in rows[::step]], ticks="",
                     ticktext=[f"{r.record.time:.4f} s" for r in rows[::step]],
                     tickfont=dict(size=9, color="#777"),
                     title=dict(text="time sent", font=dict(size=10)))
    fig.update_layout(showlegend=False, margin=dict(l=70, r=20, t=120, b=60))


def _title(start: float, end: Optional[float], rows: list[Row], total: int) -> str:
    """The default title: the time window and whether messages were left out."""
    window = f"from t = {start:g} s" + (" to the end" if end is None else f" to {end:g} s")
    shown = sum(r.kind == "message" for r in rows)
    more = f" (the first {shown} of {total} messages)" if total > shown else ""
    return f"Sequence diagram {window}{more}"


def _color_key(fig: go.Figure, rows: list[Row]) -> None:
    """A one-line colour key under the title (instead of a legend that competes with the slider)."""
    cats = {category(r.record) for r in rows if r.kind == "message"}
    parts = [f'<span style="color:{style.MESSAGE_COLORS[c]}">━▶ {CATEGORIES[c]}</span>'
             for c in CATEGORIES if c in cats]
    if any(r.kind == "cri" for r in rows):
        parts.append(f'<span style="color:{style.ROLE_COLORS["container runtime"]}">'
                     f'╌▶ kubelet → runtime (CRI, local call)</span>')
    if any(r.kind == "note" for r in rows):
        parts.append("■ what a component recorded")
    fig.add_annotation(xref="paper", yref="paper", x=0, y=1, yshift=48, xanchor="left",
                       yanchor="bottom", showarrow=False, font=dict(size=10, color="#555"),
                       text=style.key_text(parts), align="left")


# ---------------------------------------------------------------------- animation
def _animate(fig: go.Figure, rows: list[Row], traces: dict) -> None:
    """Frames that reveal the rows in order; each frame only sends the x/y prefixes."""
    frames, labels = [], []
    for k, end in enumerate(frame_ends(len(rows), len(rows))):
        data = [_prefix(t, rows[:end], key) for key, t in traces.items()]
        last = rows[end - 1]
        frames.append(go.Frame(name=str(k), data=data, traces=list(range(len(traces)))))
        labels.append(f"{end}/{len(rows)} · t={last.record.time:.4f} s · "
                      f"{_short(last.record.summary, 60)}")
    add_player(fig, frames, labels, duration=350, prefix="")


def _prefix(t: go.Scatter, shown: list[Row], key: str) -> go.Scatter:
    """The first points of trace ``t`` that belong to the rows in ``shown``."""
    count = _points_in(shown, key)
    return go.Scatter(x=t.x[:count], y=t.y[:count])


def _points_in(rows: list[Row], key: str) -> int:
    """How many points of trace ``key`` the rows in ``rows`` account for."""
    if key in CATEGORIES:
        return 3 * sum(r.kind == "message" and category(r.record) == key for r in rows)
    if key == "cri":
        return 3 * sum(r.kind == "cri" for r in rows)
    if key == "labels":
        return sum(r.kind in ("message", "cri") for r in rows)
    return sum(r.kind == {"notes": "note", "faults": "fault"}[key] for r in rows)
