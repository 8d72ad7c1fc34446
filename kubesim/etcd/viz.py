"""Figures of etcd's Raft members, built only from recorded data so a lesson can replay them.

* :func:`election_figure` — an animation of the members (role, term, vote, log length,
  commit index) and of the Raft messages flying between them, read from a trace
  (``EtcdCluster.trace`` or ``Cluster.trace``).  ▶ plays it, the slider scrubs it, the
  speed buttons change the pace.  At most 100 frames.
* :func:`log_snapshot` / :func:`log_figure` — every member's log (index × term, committed
  or not) at one moment.
* :func:`figure16` — CDFs of leader-failover downtimes, like the Raft paper's Figure 16.
* :func:`quorum_figure` — failures tolerated per cluster size, from a measured table.

Figures are plain ``plotly.graph_objects.Figure`` (never FigureWidget).
"""
from __future__ import annotations

import bisect
import math
from typing import Iterable, Optional

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..trace import Record
from .raft import CANDIDATE, FOLLOWER, LEADER, PRE_CANDIDATE

TEMPLATE = "plotly_white"
FONT = dict(family="Arial, Helvetica, sans-serif", size=12)

ROLE_COLORS = {LEADER: "#e07b00", CANDIDATE: "#c2255c", PRE_CANDIDATE: "#f783ac",
               FOLLOWER: "#1f6fb5", "down": "#c8c8c8"}

#: Message type -> (legend label, colour, short text drawn next to the dot).
MESSAGE_STYLE = {
    "MsgHeartbeat": ("heartbeat", "#868e96", "♥"),
    "MsgHeartbeatResp": ("heartbeat answer", "#adb5bd", "♥"),
    "MsgApp": ("append entries", "#2b8a3e", "app"),
    "MsgAppResp": ("append answer", "#69db7c", "ok"),
    "MsgPreVote": ("pre-vote request", "#f783ac", "pre?"),
    "MsgPreVoteResp": ("pre-vote answer", "#faa2c1", "pre"),
    "MsgVote": ("vote request", "#c2255c", "vote?"),
    "MsgVoteResp": ("vote answer", "#e64980", "vote"),
    "MsgProp": ("forwarded write", "#7b4fa0", "prop"),
    "MsgReadIndex": ("read index", "#1098ad", "read?"),
    "MsgReadIndexResp": ("read index answer", "#3bc9db", "read"),
    "client": ("client request / answer", "#495057", "✉"),
}
REJECTED = "#e03131"
DROPPED = "#e03131"
#: Member circles: radius in pixels and (about) in data units; labels go below them.
RADIUS_PX = 40
RADIUS = 0.22
LABEL_DY = 0.26


# ----------------------------------------------------------------------------- reading the trace
def _records(source) -> list[Record]:
    trace = getattr(source, "trace", source)
    return list(getattr(trace, "records", trace))


def _member_order(name: str):
    tail = name.rsplit("-", 1)[-1]
    return (0, int(tail)) if tail.isdigit() else (1, name)


class _Timeline:
    """What the trace says about the members: states, crashes, partitions, messages."""

    def __init__(self, records: list[Record], members: Optional[Iterable[str]] = None):
        states = [r for r in records if r.kind == "component" and "raft" in r.ref]
        names = set(members or ()) | {r.source for r in states}
        self.members = sorted(names, key=_member_order)
        self.states: dict[str, list] = {m: [] for m in self.members}
        for r in states:
            if r.source in self.states:
                self.states[r.source].append((r.time, r.seq, dict(r.ref["raft"])))
        self.crashes: dict[str, list] = {m: [] for m in self.members}
        self.partitions: list = [(-math.inf, -1, [])]
        for r in records:
            if r.kind != "fault":
                continue
            if r.summary.startswith("crash ") and r.target in self.crashes:
                self.crashes[r.target].append((r.time, r.seq))
            elif r.summary.startswith("crash ") and r.ref.get("components"):
                for comp in r.ref["components"]:
                    if comp in self.crashes:
                        self.crashes[comp].append((r.time, r.seq))
            elif r.summary.startswith("partition"):
                self.partitions.append((r.time, r.seq, [list(g) for g in r.ref.get("groups", [])]))
            elif r.summary == "heal":
                self.partitions.append((r.time, r.seq, []))
        nodes = set(self.members)
        self.messages = [r for r in records if r.kind == "message"
                         and (r.ref.get("rpc") == "raft" or
                              (r.ref.get("rpc") == "etcd" and (r.source in nodes or r.target in nodes)))]

    def state(self, member: str, t: float) -> dict:
        hist = self.states[member]
        i = bisect.bisect_right([(h[0], h[1]) for h in hist], (t, math.inf)) - 1
        state = dict(hist[i][2]) if i >= 0 else {"role": "down", "term": 0, "log_length": 0,
                                                  "commit_index": 0, "leader": None, "vote": None}
        since = (hist[i][0], hist[i][1]) if i >= 0 else (-math.inf, -1)
        if any(since < c <= (t, math.inf) for c in self.crashes[member]):
            state["role"] = "down"
        return state

    def groups(self, t: float) -> list:
        i = bisect.bisect_right([(p[0], p[1]) for p in self.partitions], (t, math.inf)) - 1
        return self.partitions[i][2]


def _positions(members: list[str]) -> dict[str, tuple[float, float]]:
    n = len(members)
    if n == 1:
        return {members[0]: (0.0, 0.0)}
    return {m: (math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
            for i, m in enumerate(members)}


def _apart(groups: list, a: str, b: str) -> bool:
    ga = next((i for i, g in enumerate(groups) if a in g), None)
    gb = next((i for i, g in enumerate(groups) if b in g), None)
    return ga is not None and gb is not None and ga != gb


def _evenly(items: list, k: int) -> list:
    if k <= 0:
        return []
    if len(items) <= k:
        return list(items)
    step = (len(items) - 1) / max(1, k - 1)
    return [items[round(i * step)] for i in range(k)] if k > 1 else [items[0]]


def _moments(tl: _Timeline, start: float, end: float, frames: int,
             faults: list[float] = ()) -> list[float]:
    """Frame times, at most ``frames``: one per burst of messages in flight (mid-flight),
    per change of a member's state and per fault.  Heartbeat-only bursts are the filler:
    they get the frames that elections, appends, votes and faults leave over."""
    flights = []
    for r in tl.messages:
        if start <= r.time <= end:
            arrive = r.ref.get("arrive", r.time)
            routine = r.ref.get("raft", {}).get("type") in ("MsgHeartbeat", "MsgHeartbeatResp")
            flights.append(((r.time + arrive) / 2, routine))
    flights.sort()
    bursts: list[list] = []
    for t, routine in flights:
        if bursts and t - bursts[-1][-1][0] <= 2e-4:
            bursts[-1].append((t, routine))
        else:
            bursts.append([(t, routine)])
    important, filler = [], []
    for b in bursts:
        t = b[len(b) // 2][0]                          # mid-burst: most messages half-way
        (filler if all(routine for _, routine in b) else important).append(round(t, 9))
    for hist in tl.states.values():
        important += [round(h[0] + 1e-6, 9) for h in hist if start <= h[0] <= end]
    important += [round(t + 1e-6, 9) for t in faults if start <= t <= end]
    important = sorted(set(important))
    chosen = _evenly(important, frames)
    chosen += _evenly(filler, frames - len(chosen))
    chosen = sorted(set(chosen))
    if not chosen:
        chosen = [start + (end - start) * i / max(1, frames - 1) for i in range(frames)]
    if chosen[0] > start:
        chosen = [start] + chosen[:frames - 1]           # the first frame: the situation before
    return chosen


def _message_style(r: Record) -> tuple[str, str, str]:
    if r.ref.get("rpc") != "raft":
        label, color, short = MESSAGE_STYLE["client"]
        return label, color, short
    kind = r.ref["raft"]["type"]
    label, color, short = MESSAGE_STYLE.get(kind, (kind, "#868e96", kind))
    if r.ref["raft"].get("reject") and kind.endswith("Resp"):
        return label + " (rejected)", REJECTED, short + " ✗"
    if kind in ("MsgVoteResp", "MsgPreVoteResp"):
        short += " ✓"
    if kind == "MsgApp" and r.ref["raft"].get("entries"):
        short = f"app +{r.ref['raft']['entries']}"
    return label, color, short


# ----------------------------------------------------------------------------- the election
def election_figure(source, start: float = 0.0, end: Optional[float] = None, frames: int = 80,
                    title: str = "etcd members: roles, terms, votes, logs and Raft messages",
                    members: Optional[Iterable[str]] = None) -> go.Figure:
    """Animate the etcd members between ``start`` and ``end`` (simulated seconds).

    ``source`` is an EtcdCluster, a kubesim Cluster or a Trace.  A frame is drawn for every
    burst of messages in flight and every change of state (at most ``frames`` ≤ 100 of
    them), so quiet stretches are skipped; the slider shows the simulated time of each.
    """
    frames = max(2, min(100, frames))
    records = _records(source)
    tl = _Timeline(records, members)
    if not tl.members:
        raise ValueError("the trace has no etcd member states (was it recorded by an etcd member?)")
    if end is None:
        end = max((r.time for r in records), default=start)
    pos = _positions(tl.members)
    client = (0.0, -1.55)
    faults = [r.time for r in records if r.kind == "fault"]
    times = _moments(tl, start, end, frames, faults)

    def members_trace(t: float) -> go.Scatter:
        xs, ys, colors, widths, text, hover = [], [], [], [], [], []
        for m in tl.members:
            s = tl.state(m, t)
            x, y = pos[m]
            xs.append(x)
            ys.append(y)
            colors.append(ROLE_COLORS.get(s["role"], "#868e96"))
            widths.append(5 if s["role"] == LEADER else 1)
            role = "DOWN ✗" if s["role"] == "down" else s["role"]
            text.append(f"<b>{m}</b><br>{role}<br>term {s['term']}")
            hover.append(f"{m}: {role}, term {s['term']}, voted for {s.get('vote') or '—'}, "
                         f"leader {s.get('leader') or 'unknown'}, log length {s['log_length']}, "
                         f"commit index {s['commit_index']}, applied {s.get('applied_index', '?')}")
        return go.Scatter(x=xs, y=ys, mode="markers+text", text=text, hovertext=hover,
                          hoverinfo="text", textposition="middle center",
                          textfont=dict(size=10, color="white"), name="members", showlegend=False,
                          marker=dict(size=RADIUS_PX * 2, color=colors,
                                      line=dict(width=widths, color="#212529")))

    def labels_trace(t: float) -> go.Scatter:
        xs, ys, text = [], [], []
        for m in tl.members:
            s = tl.state(m, t)
            x, y = pos[m]
            xs.append(x)
            ys.append(y - LABEL_DY)
            vote = f"<br>voted {s['vote']}" if s.get("vote") and s["role"] != LEADER else ""
            text.append(f"log {s['log_length']} · commit {s['commit_index']}{vote}")
        return go.Scatter(x=xs, y=ys, mode="text", text=text, hoverinfo="skip", showlegend=False,
                          textposition="bottom center", textfont=dict(size=10, color="#343a40"))

    def where(name: str) -> tuple[float, float]:
        return pos.get(name, client)

    def messages_trace(t: float) -> go.Scatter:
        xs, ys, colors, text, hover = [], [], [], [], []
        for r in tl.messages:
            arrive = r.ref.get("arrive")
            if arrive is not None and r.time <= t <= arrive:
                f = 0.5 if arrive == r.time else (t - r.time) / (arrive - r.time)
            elif arrive is None and abs(t - r.time) <= 2e-4:
                f = 0.25                                  # dropped: show it leave, and die
            else:
                continue
            (x0, y0), (x1, y1) = where(r.source), where(r.target)
            edge = min(0.35, RADIUS / max(1e-9, math.hypot(x1 - x0, y1 - y0)))
            f = edge + (1 - 2 * edge) * f                 # from one circle's edge to the other's
            label, color, short = _message_style(r)
            if arrive is None:
                color, short = DROPPED, short + " ✗ lost"
            xs.append(x0 + (x1 - x0) * f)
            ys.append(y0 + (y1 - y0) * f)
            colors.append(color)
            text.append(short)
            why = f" — dropped ({r.ref.get('dropped')})" if arrive is None else ""
            hover.append(f"{r.source} → {r.target}: {r.summary}{why}")
        return go.Scatter(x=xs, y=ys, mode="markers+text", text=text, hovertext=hover,
                          hoverinfo="text", textposition="top center", textfont=dict(size=9),
                          marker=dict(size=13, color=colors, line=dict(width=1, color="white")),
                          name="messages", showlegend=False)

    def cuts_trace(t: float) -> go.Scatter:
        groups = tl.groups(t)
        xs, ys = [], []
        for i, a in enumerate(tl.members):
            for b in tl.members[i + 1:]:
                if _apart(groups, a, b):
                    (x0, y0), (x1, y1) = pos[a], pos[b]
                    xs += [x0, x1, None]
                    ys += [y0, y1, None]
        return go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#e03131", width=2, dash="dot"),
                          hoverinfo="skip", name="partitioned", showlegend=False)

    def caption(t: float) -> str:
        leaders = [(tl.state(m, t)["term"], m) for m in tl.members if tl.state(m, t)["role"] == LEADER]
        who = (f"leader {max(leaders)[1]} (term {max(leaders)[0]})" if leaders else "no leader")
        cut = " · network partitioned" if tl.groups(t) else ""
        return f"{title}<br><sup>t = {t:.4f} s · {who}{cut}</sup>"

    mesh_x, mesh_y = [], []
    for i, a in enumerate(tl.members):
        for b in tl.members[i + 1:]:
            mesh_x += [pos[a][0], pos[b][0], None]
            mesh_y += [pos[a][1], pos[b][1], None]
    has_client = any(r.ref.get("rpc") == "etcd" for r in tl.messages)
    static = [go.Scatter(x=mesh_x, y=mesh_y, mode="lines", line=dict(color="#dee2e6", width=1),
                         hoverinfo="skip", showlegend=False)]
    if has_client:
        static.append(go.Scatter(x=[client[0]], y=[client[1]], mode="markers+text",
                                 text=["etcdctl / API server"], textposition="bottom center",
                                 marker=dict(size=16, color="#495057", symbol="square"),
                                 hoverinfo="text", hovertext=["the client"], showlegend=False))
    legend = [go.Scatter(x=[None], y=[None], mode="markers", name=f"{role}",
                         marker=dict(size=12, color=color)) for role, color in ROLE_COLORS.items()]
    shown = {}
    for r in tl.messages:
        label, color, _ = _message_style(r)
        shown.setdefault(label.replace(" (rejected)", ""), color if "rejected" not in label else None)
    legend += [go.Scatter(x=[None], y=[None], mode="markers", name=label,
                          marker=dict(size=9, color=color, symbol="circle"))
               for label, color in shown.items() if color]
    legend.append(go.Scatter(x=[None], y=[None], mode="markers", name="rejected / lost",
                             marker=dict(size=9, color=REJECTED)))
    t0 = times[0]

    def dynamic(t: float) -> list:
        return [cuts_trace(t), members_trace(t), labels_trace(t), messages_trace(t)]

    fig = go.Figure(data=static + dynamic(t0) + legend)
    ids = list(range(len(static), len(static) + 4))
    fig.frames = [go.Frame(name=f"{t:.6f}", data=dynamic(t), traces=ids,
                           layout=go.Layout(title_text=caption(t))) for t in times]

    def play(speed: float) -> dict:
        return dict(label=f"▶ {speed:g}×", method="animate",
                    args=[None, dict(frame=dict(duration=int(400 / speed), redraw=True),
                                     transition=dict(duration=0), fromcurrent=True, mode="immediate")])

    fig.update_layout(
        template=TEMPLATE, font=FONT, height=620, title=caption(t0),
        margin=dict(l=20, r=20, t=80, b=20),
        xaxis=dict(visible=False, range=[-1.6, 1.6]),
        yaxis=dict(visible=False, range=[-2.0 if has_client else -1.6, 1.35], scaleanchor="x"),
        legend=dict(orientation="v", x=1.02, y=1, font=dict(size=10)),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left",
                          yanchor="top", pad=dict(t=4),
                          buttons=[play(0.5), play(1), play(2), play(4),
                                   dict(label="⏸", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False),
                                                           mode="immediate")])])],
        sliders=[dict(active=0, x=0.0, len=1.0, y=-0.08, currentvalue=dict(prefix="t = ", suffix=" s"),
                      steps=[dict(label=f"{t:.3f}", method="animate",
                                  args=[[f"{t:.6f}"], dict(frame=dict(duration=0, redraw=True),
                                                           mode="immediate")]) for t in times])])
    return fig


# ----------------------------------------------------------------------------- logs
def _entry_label(data) -> str:
    if data is None:
        return "(empty: new leader)"
    if isinstance(data, dict):
        if "compact" in data:
            return f"compact {data['compact']}"
        ops = data.get("success") or []
        parts = []
        for op in ops:
            parts.append(f"put {op.key}={op.value}" if op.type == "put" else f"{op.type} {op.key}")
        return "; ".join(parts) or "txn"
    return str(data)


def log_snapshot(etcd) -> dict:
    """Record every member's log now (for :func:`log_figure`): plain data, no live objects."""
    members = etcd.members.values() if hasattr(etcd, "members") else etcd.etcd
    out = []
    for m in members:
        commit = m.node.commit_index if m.node is not None else m.disk.commit
        out.append({"name": m.name, "up": m.up, "role": m.role, "term": m.disk.term,
                    "commit": commit,
                    "entries": [(e.index, e.term, _entry_label(e.data)) for e in m.disk.entries]})
    return {"time": etcd.env.now, "members": out}


TERM_COLORS = ["#1f6fb5", "#e07b00", "#2b8a3e", "#c2255c", "#7b4fa0", "#1098ad", "#a0522d",
               "#5c940d", "#d6336c", "#364fc7"]


def log_figure(snapshot: dict, title: str = "", last: int = 14) -> go.Figure:
    """Every member's log: one square per entry (colour and number: its term; faded and
    dashed: not committed on that member).  Shows the last ``last`` indexes."""
    members = snapshot["members"]
    top = max((len(m["entries"]) for m in members), default=0)
    lo = max(1, top - last + 1)
    xs, ys, colors, opacity, text, hover, lines = [], [], [], [], [], [], []
    for row, m in enumerate(members):
        for index, term, label in m["entries"]:
            if index < lo:
                continue
            committed = index <= m["commit"]
            xs.append(index)
            ys.append(m["name"])
            colors.append(TERM_COLORS[(term - 1) % len(TERM_COLORS)])
            opacity.append(1.0 if committed else 0.35)
            text.append(str(term))
            lines.append("#212529" if committed else "#e03131")
            hover.append(f"{m['name']} index {index}, term {term}: {label} — "
                         f"{'committed' if committed else 'NOT committed here'}")
    fig = go.Figure(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=text, hovertext=hover, hoverinfo="text",
        textfont=dict(color="white", size=11),
        marker=dict(symbol="square", size=26, color=colors, opacity=opacity,
                    line=dict(width=2, color=lines)), showlegend=False))
    status = [f"{m['name']}: {'DOWN' if not m['up'] else m['role']}, term {m['term']}, "
              f"commit {m['commit']}" for m in members]
    fig.update_layout(
        template=TEMPLATE, font=FONT, height=110 + 46 * len(members),
        title=(title or f"Logs at t = {snapshot['time']:.3f} s") +
        "<br><sup>number and colour: the entry's term · faded, red border: not committed on that member</sup>",
        margin=dict(l=20, r=20, t=70, b=40),
        xaxis=dict(title="log index", dtick=1, range=[lo - 0.7, max(top, lo + last - 1) + 0.7]),
        yaxis=dict(categoryorder="array", categoryarray=[m["name"] for m in members][::-1],
                   ticktext=[s for s in status][::-1], tickvals=[m["name"] for m in members][::-1]))
    return fig


# ----------------------------------------------------------------------------- Figure 16
def _cdf(values: list[float]) -> tuple[list[float], list[float]]:
    done = sorted(v for v in values if math.isfinite(v))
    n = len(values)
    return done, [100.0 * (i + 1) / n for i in range(len(done))]


def figure16(top: dict, bottom: dict, title: str = "Time without a leader after the leader crashes") -> go.Figure:
    """The Raft paper's Figure 16 from measured downtimes: ``{label: [ms, ...]}`` per panel.

    Top: how much randomness (log-scale time axis); bottom: how short a timeout."""
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.14,
                        subplot_titles=("Randomness of the election timeout",
                                        "Length of the election timeout"))
    palette = TERM_COLORS
    colors = {}
    for row, panel in ((1, top), (2, bottom)):
        for label, values in panel.items():
            color = colors.setdefault(label, palette[len(colors) % len(palette)])
            xs, ys = _cdf(values)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{label} ms",
                                     legendgroup=str(row), legendgrouptitle_text=("randomness" if row == 1 else "timeout"),
                                     line=dict(width=2, color=color),
                                     hovertemplate=f"{label} ms: %{{y:.0f}}% of trials within %{{x:.0f}} ms<extra></extra>"),
                          row=row, col=1)
    fig.update_xaxes(type="log", title_text="time without leader (ms, log scale)", row=1, col=1)
    fig.update_xaxes(title_text="time without leader (ms)", row=2, col=1)
    fig.update_yaxes(title_text="cumulative %", range=[0, 101])
    fig.update_layout(template=TEMPLATE, font=FONT, height=720, title=title,
                      margin=dict(l=60, r=20, t=80, b=50), legend=dict(font=dict(size=10)))
    return fig


def quorum_figure(table: list[dict]) -> go.Figure:
    """Bars: how many members may fail, per cluster size, from :func:`measure_quorum` rows."""
    sizes = [str(r["members"]) for r in table]
    fig = go.Figure([
        go.Bar(x=sizes, y=[r["tolerated"] for r in table], name="members that may fail",
               marker_color="#2b8a3e", text=[r["tolerated"] for r in table], textposition="outside"),
        go.Bar(x=sizes, y=[r["quorum"] for r in table], name="quorum (members that must be up)",
               marker_color="#1f6fb5", text=[r["quorum"] for r in table], textposition="outside")])
    fig.update_layout(template=TEMPLATE, font=FONT, height=380, barmode="group",
                      title="Measured: failures an etcd cluster survives, by size",
                      xaxis_title="members", yaxis_title="members",
                      margin=dict(l=50, r=20, t=60, b=40))
    return fig


def figure8_figure(result, title: str = "The paper's Figure 8, replayed") -> go.Figure:
    """One panel per step of :func:`kubesim.etcd.scenarios.figure8`: every member's log
    (colour and number: term; faded, red border: not committed on that member)."""
    steps = result.steps
    fig = make_subplots(rows=len(steps), cols=1, vertical_spacing=0.045,
                        subplot_titles=[label for label, _ in steps])
    width = max((len(s["log"]) for _, snap in steps for s in snap.values()), default=1)
    for row, (_, snap) in enumerate(steps, start=1):
        xs, ys, colors, opacity, text, lines, hover = [], [], [], [], [], [], []
        for name, s in snap.items():
            label = name.replace("etcd-", "S") + ("" if s["up"] else " ✗")
            for index, term in s["log"]:
                committed = index <= s["commit"]
                xs.append(index)
                ys.append(label)
                colors.append(TERM_COLORS[(term - 1) % len(TERM_COLORS)])
                opacity.append(1.0 if committed else 0.4)
                lines.append("#212529" if committed else "#e03131")
                text.append(str(term))
                hover.append(f"{name} ({s['role']}, term {s['term']}): index {index}, term {term}, "
                             f"{'committed' if committed else 'not committed'} here")
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=text, hovertext=hover,
                                 hoverinfo="text", textfont=dict(color="white", size=10),
                                 marker=dict(symbol="square", size=18, color=colors, opacity=opacity,
                                             line=dict(width=2, color=lines)), showlegend=False),
                      row=row, col=1)
        order = [n.replace("etcd-", "S") + ("" if snap[n]["up"] else " ✗") for n in snap][::-1]
        fig.update_yaxes(categoryorder="array", categoryarray=order, row=row, col=1)
        fig.update_xaxes(range=[0.4, width + 0.6], dtick=1, row=row, col=1)
    verdict = ("SAFE: nothing committed was lost" if result.safe else
               "UNSAFE: " + result.violations[0].split(": ", 1)[-1])
    fig.update_layout(template=TEMPLATE, font=FONT, height=170 * len(steps) + 80,
                      title=f"{title}<br><sup>{verdict}</sup>",
                      margin=dict(l=60, r=20, t=90, b=30))
    fig.update_annotations(font_size=11)
    return fig
