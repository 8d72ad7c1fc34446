"""``message_animation``: messages flying between components over the component graph."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

import plotly.graph_objects as go

from . import style
from .graph import add_boxes, add_edges, finish_axes, node_names, node_trace
from .layout import Layout, layout
from .player import MAX_FRAMES, add_player, frame_ends
from .tracedata import (CATEGORIES, Include, category, down_at, end_time, faults, messages,
                        pair, topology, trace_of)

CAPTION_LINES = 4


def message_animation(trace_or_cluster, start: float = 0.0, end: Optional[float] = None,
                      frames: int = 60, include: Include = None,
                      exclude_rpc: Iterable[str] = (), by: str = "time",
                      title: Optional[str] = None) -> go.Figure:
    """Animate the messages sent in ``[start, end]`` travelling along the component graph.

    ``by="time"`` (default): the frames split the time window evenly.  Network latency is
    about a millisecond, far shorter than a frame, so time is stretched: every message sent
    during a frame's interval is drawn on its way, further along the line the earlier it
    was sent — bursts of activity show up as swarms of dots.

    ``by="step"``: one message per frame in the order they were sent (several per frame
    when there are more messages than ``frames``) — the mode for walking through what one
    ``kubectl apply`` sets off.

    Dots are coloured by kind (API request, reply, watch event, etcd, dropped); components
    crash and come back as the fault records say.  The caption shows the simulated time and
    the last few message summaries.  ``include`` / ``exclude_rpc`` select messages as in
    :func:`kubesim.viz.tracedata.messages`.  At most 100 frames.
    """
    if by not in ("time", "step"):
        raise ValueError(f'by must be "time" or "step", not {by!r}')
    trace, topo = trace_of(trace_or_cluster), topology(trace_or_cluster)
    end = end_time(trace) if end is None else end
    msgs = messages(trace, start, end, include, exclude_rpc)
    lay = layout(topo)
    fig = _background(trace, topo, lay, msgs, start)
    steps = _time_frames(msgs, start, end, frames) if by == "time" else _step_frames(msgs, frames)
    frame_list = _frames(trace, topo, lay, steps, by, first_trace=len(fig.data) - 1,
                         crashes=any(start < r.time <= end for r in faults(trace, end)))
    fig.add_traces(frame_list[0].data[:2])
    style.base_layout(fig, title or _title(start, end, len(msgs), by, len(steps)),
                      height=int(200 + 62 * lay.height))
    finish_axes(fig, lay, bottom=-1.6)
    fig.update_layout(margin=dict(t=90, b=70))
    _color_key(fig)
    add_player(fig, frame_list, [f"t = {t:.3f} s" for t, *_ in steps],
               duration=400 if by == "step" else 250, active=0)
    return fig


def _frames(trace, topo, lay: Layout, steps, by: str, first_trace: int,
            crashes: bool) -> list[go.Frame]:
    """One frame per step: the messages on their way, the caption and, when something
    crashes or restarts in the window, the components' state.  ``first_trace`` is the
    index of the component markers; the dots and the caption come right after them."""
    frames = []
    for k, (t, shown, progress, recent) in enumerate(steps):
        data = [_dots(list(zip(shown, progress)), lay),
                _caption(_caption_text(t, recent, len(shown), by))]
        traces = [first_trace + 1, first_trace + 2]
        if crashes:
            data.append(_node_state(topo, lay, down_at(trace, t)))
            traces.append(first_trace)
        frames.append(go.Frame(name=str(k), data=data, traces=traces))
    return frames


def _background(trace, topo, lay: Layout, msgs, start: float) -> go.Figure:
    """The component graph as it was at ``start``, its lines faint so the dots stand out."""
    fig = go.Figure()
    add_boxes(fig, lay, down_at(trace, start), set())
    add_edges(fig, topo, lay, Counter(pair(m.source, m.target) for m in msgs), opacity=0.3)
    fig.add_trace(node_trace(topo, lay, node_names(lay), down_at(trace, start)))
    return fig


def _node_state(topo, lay: Layout, down: set) -> go.Scatter:
    """Only what changes when components crash: marker colours, outlines and labels."""
    full = node_trace(topo, lay, node_names(lay), down)
    return go.Scatter(text=full.text, marker=full.marker)


def _title(start: float, end: float, count: int, by: str, frames: int) -> str:
    """The default title: the window, the count and how time is shown."""
    if by == "step":
        per = -(-count // max(frames, 1))
        how = "one message per step" if per <= 1 else f"about {per} messages per step"
    else:
        how = "time stretched so each dot crosses in one frame"
    return f"Messages from t = {start:g} s to {end:g} s ({count} messages, {how})"


# ---------------------------------------------------------------------- frames
def _time_frames(msgs, start: float, end: float, frames: int):
    """(time, messages, progress along the line, recent messages) for evenly spaced times."""
    frames = max(1, min(frames, MAX_FRAMES))
    width = max(end - start, 1e-9) / frames
    out, i = [], 0
    for k in range(frames):
        hi = start + (k + 1) * width
        shown = []
        while i < len(msgs) and msgs[i].time <= hi:
            shown.append(msgs[i])
            i += 1
        progress = [round(0.1 + 0.8 * (hi - m.time) / width, 4) for m in shown]
        out.append((hi, shown, progress, msgs[max(0, i - CAPTION_LINES):i]))
    return out


def _step_frames(msgs, frames: int):
    """Messages in send order, a few per frame; each drawn most of the way to its target."""
    out, done = [], 0
    for end in frame_ends(len(msgs), frames):
        shown = msgs[done:end] or msgs[end - 1:end]
        t = shown[-1].time if shown else 0.0
        out.append((t, shown, [0.65] * len(shown), msgs[max(0, end - CAPTION_LINES):end]))
        done = end
    return out


# ---------------------------------------------------------------------- traces
def _dots(shown: list, lay: Layout) -> go.Scatter:
    """One arrow head per message on its way: ``shown`` is a list of (record, progress 0…1).

    Each message is drawn as a short tail and an arrow head pointing at its target.
    """
    xs, ys, colors, sizes, hover = [], [], [], [], []
    for m, p in shown:
        if m.source not in lay.pos or m.target not in lay.pos:
            continue
        p = min(p, 0.5) if "dropped" in m.ref else p
        for q in (max(p - 0.1, 0), p):
            xs.append(_along(lay.pos[m.source][0], lay.pos[m.target][0], q))
            ys.append(_along(lay.pos[m.source][1], lay.pos[m.target][1], q))
        xs.append(None)
        ys.append(None)
        colors += [style.MESSAGE_COLORS[category(m)]] * 3
        sizes += [0, 16, 0]
        hover += ["", f"{m.source} → {m.target}<br>{m.summary[:60]}", ""]
    return go.Scatter(x=xs, y=ys, mode="lines+markers", hovertext=hover, hoverinfo="text",
                      name="messages", line=dict(color="rgba(60,60,60,0.35)", width=2),
                      marker=dict(size=sizes, color=colors, symbol="arrow", angleref="previous",
                                  line=dict(width=0.5, color="white")))


def _along(a: float, b: float, q: float) -> float:
    """The point a fraction ``q`` of the way from ``a`` to ``b``."""
    return round(a + q * (b - a), 4)


def _caption(text: str) -> go.Scatter:
    """The caption under the graph (a text trace, so frames can change it cheaply)."""
    return go.Scatter(x=[0.05], y=[-0.3], mode="text", text=[text], textposition="bottom right",
                      hoverinfo="skip", name="caption", textfont=dict(size=11, color="#333"))


def _caption_text(t: float, recent, in_flight: int, by: str) -> str:
    """The caption: the frame's time and the last few messages sent."""
    count = f" · {in_flight} messages in this frame" if by == "time" else ""
    lines = [f"<b>t = {t:.4f} s</b>{count}"]
    lines += [f"{m.time:.4f} s  {m.source} → {m.target}: {m.summary[:70]}" for m in recent]
    return "<br>".join(lines)


def _color_key(fig: go.Figure) -> None:
    """A colour key for the message kinds, above the graph."""
    parts = [f'<span style="color:{style.MESSAGE_COLORS[c]}">● {label}</span>'
             for c, label in CATEGORIES.items()]
    fig.add_annotation(xref="paper", yref="paper", x=0, y=1, yshift=6, xanchor="left",
                       yanchor="bottom", showarrow=False, font=dict(size=10), align="left",
                       text=style.key_text(parts))
