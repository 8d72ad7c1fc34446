"""Lesson 05 — reconciliation: figures read back from the trace, and the exercise checks.

Everything here reads the recorded trace only (``object`` records for the state of
Deployments, ReplicaSets and Pods; ``event`` and ``message`` records for what the
controllers did), so a lesson can draw the same figure for any window of any run.

Figures and numbers
-------------------
* :func:`replica_history` — desired replicas, Pods, Ready Pods … after every change;
* :func:`desired_vs_actual` — the reconcile loop as a picture: desired vs actual over time;
* :func:`create_batches` / :func:`slow_start_figure` — the ReplicaSet's slow-start batches;
* :func:`scale_down_table` — which Pods a scale-down removed, and what they looked like;
* :func:`rollout_numbers` / :func:`rollout_figure` — a rolling update against its
  ``replicas + maxSurge`` ceiling and ``replicas − maxUnavailable`` floor;
* :func:`status_lag` / :func:`conflicts` — the informer-cache subtleties (advanced note).

Exercise checks
---------------
* :func:`check_zone_labeler` — the learner's level-triggered controller;
* :func:`check_rollout_strategy` — maxSurge/maxUnavailable that keep every replica serving.
"""
from __future__ import annotations

import inspect
import time as wallclock
from dataclasses import dataclass, field
from typing import Optional

import plotly.graph_objects as go

from .. import seed
from ..checks import checking
from ..cluster import Cluster
from ..controllers.base import Controller
from ..controllers.deployment import scaled_value
from ..errors import KubesimError
from ..viz import style
from ..viz.player import add_player
from ..viz.tracedata import trace_of

ZONE_LABEL = "topology.kubernetes.io/zone"
RS_COLORS = ["#1f6fb5", "#2e8b57", "#8e44ad", "#e07b00", "#17a2b8", "#a0522d"]
TERMINATING_COLOR = "#c8c8c8"


# ====================================================================== replaying object records
@dataclass
class Sample:
    """The state of one Deployment's Pods right after a committed change."""

    time: float
    desired: int            # the Deployment's spec.replicas
    pods: int               # Pods that exist and are not being deleted
    ready: int              # ... of which Ready
    terminating: int        # Pods being deleted (deletionTimestamp set) that still exist
    available: int          # the Deployment's status.availableReplicas
    per_rs: dict = field(default_factory=dict)   # ReplicaSet -> Pods (not terminating)

    def key(self) -> tuple:
        return (self.desired, self.pods, self.ready, self.terminating, self.available,
                tuple(sorted(self.per_rs.items())))


class _Replay:
    """Rebuilds the Deployment → ReplicaSet → Pod state from ``object`` records."""

    def __init__(self, deployment: str, namespace: str):
        self.deployment, self.namespace = deployment, namespace
        self.dep: Optional[dict] = None
        self.rs: dict[str, dict] = {}          # our ReplicaSets: name -> state
        self.rs_added: dict[str, float] = {}
        self.pods: dict[str, dict] = {}        # every Pod in the namespace: name -> state
        self.pod_added: dict[str, float] = {}

    def apply(self, r) -> bool:
        """Apply one record; True when it may have changed this Deployment's picture."""
        if r.kind != "object" or r.ref.get("namespace") != self.namespace:
            return False
        kind, name, verb, state = (r.ref.get("object_kind"), r.ref.get("name"), r.ref.get("verb"),
                                   r.ref.get("state") or {})
        if kind == "Deployment" and name == self.deployment:
            self.dep = None if verb == "DELETED" else state
        elif kind == "ReplicaSet" and (name in self.rs or state.get("owner") == self.deployment):
            if verb == "DELETED":
                self.rs.pop(name, None)
            else:
                self.rs[name] = state
                self.rs_added.setdefault(name, r.time)
        elif kind == "Pod":
            if verb == "DELETED":
                self.pods.pop(name, None)
            else:
                self.pods[name] = state
                self.pod_added.setdefault(name, r.time)
            return state.get("owner") in self.rs or state.get("owner") in self.rs_added
        else:
            return False
        return True

    def ours(self) -> dict[str, dict]:
        return {n: p for n, p in self.pods.items() if p.get("owner") in self.rs_added}

    def sample(self, t: float) -> Sample:
        pods = self.ours()
        alive = [p for p in pods.values() if not p.get("terminating")]
        per_rs: dict[str, int] = {}
        for p in alive:
            per_rs[p["owner"]] = per_rs.get(p["owner"], 0) + 1
        dep = self.dep or {}
        return Sample(t, dep.get("replicas") or 0, len(alive),
                      sum(1 for p in alive if p.get("ready")),
                      len(pods) - len(alive), dep.get("available") or 0, per_rs)


def replica_history(trace_or_cluster, deployment: str = "web-app", namespace: str = "default",
                    start: float = 0.0, end: Optional[float] = None) -> list[Sample]:
    """One :class:`Sample` at ``start`` and one after every change in ``(start, end]``
    (changes that leave every count as it was are skipped)."""
    trace = trace_of(trace_or_cluster)
    end = float("inf") if end is None else end
    replay = _Replay(deployment, namespace)
    out: list[Sample] = []
    for r in trace:
        if r.time > end:
            break
        if r.time > start and not out:
            out.append(replay.sample(start))
        if replay.apply(r) and r.time > start:
            s = replay.sample(r.time)
            if s.key() != out[-1].key():
                out.append(s)
    if not out:
        out.append(replay.sample(start))
    return out


def rs_names(trace_or_cluster, deployment: str = "web-app", namespace: str = "default",
             end: Optional[float] = None) -> list[tuple[str, str]]:
    """``[(ReplicaSet, image), …]`` of a Deployment, oldest first (from the trace)."""
    trace = trace_of(trace_or_cluster)
    replay = _Replay(deployment, namespace)
    image: dict[str, str] = {}
    for r in trace:
        if end is not None and r.time > end:
            break
        replay.apply(r)
        if r.kind == "object" and r.ref.get("object_kind") == "Pod":
            owner = (r.ref.get("state") or {}).get("owner")
            if owner in replay.rs_added and owner not in image:
                image[owner] = r.ref["state"].get("image") or "?"
    names = sorted(replay.rs_added, key=lambda n: (replay.rs_added[n], n))
    return [(n, image.get(n, "?")) for n in names]


# ====================================================================== small figure helpers
def _steps(samples: list[Sample], end: float, value) -> tuple[list, list]:
    """x/y of a step line (``line_shape="hv"``) that lasts until ``end``."""
    xs = [round(s.time, 6) for s in samples] + [round(end, 6)]
    ys = [value(s) for s in samples] + [value(samples[-1])]
    return xs, ys


def _upto(xs: list, ys: list, t: float) -> tuple[list, list]:
    """The part of a step line drawn by time ``t`` (extended to ``t``)."""
    n = 0
    while n < len(xs) and xs[n] <= t:
        n += 1
    if n == 0:
        return [], []
    return xs[:n] + [round(t, 6)], ys[:n] + [ys[n - 1]]


def kubectl_actions(trace_or_cluster, start: float, end: float, gap: float = 0.5) -> list[tuple[float, str]]:
    """What the learner's kubectl changed in ``[start, end]``: ``[(time, "DELETE pods/x …"), …]``,
    requests less than ``gap`` seconds apart folded into one line."""
    out: list[list] = []
    for r in trace_of(trace_or_cluster):
        if not (start <= r.time <= end) or r.kind != "message" or r.source != "kubectl":
            continue
        if r.ref.get("verb") not in ("create", "update", "patch", "delete"):
            continue
        text = r.summary.split(" -n ")[0]
        if out and r.time - out[-1][0] < gap:
            out[-1][1].append(text)
        else:
            out.append([r.time, [text]])
    return [(t, _fold(texts)) for t, texts in out]


def _fold(texts: list[str]) -> str:
    if len(texts) <= 2:
        return ", ".join(texts)
    return f"{texts[0]} and {len(texts) - 1} more"


def _action_lines(fig: go.Figure, actions, ymax: float) -> None:
    for i, (t, text) in enumerate(actions):
        fig.add_vline(x=t, line=dict(color="#7b4fa0", width=1.2, dash="dot"))
        fig.add_annotation(x=t, y=ymax, yanchor="top", xanchor="left", showarrow=False,
                           text=f"kubectl {text}", font=dict(size=10, color="#7b4fa0"),
                           bgcolor="rgba(255,255,255,0.85)", yshift=-16 * (i % 3))


def _player_below_axis(fig: go.Figure, height: int) -> None:
    """Move ▶ and the slider under the x-axis title (the shared player sits right under
    the plot area, where a time axis has its ticks)."""
    shift = -70 / height * 1.6
    fig.layout.updatemenus[0].y = shift
    fig.layout.sliders[0].y = shift
    fig.update_layout(margin=dict(b=130))


def _time_frames(start: float, end: float, frames: int) -> list[float]:
    frames = max(2, min(frames, 100))
    return [start + (end - start) * (k + 1) / frames for k in range(frames)]


def _animate_step_lines(fig: go.Figure, lines: list[tuple[list, list]], start: float, end: float,
                        frames: int, ymax: float, height: int) -> None:
    """Frames that draw the figure's first ``len(lines)`` step lines up to time t, with its
    next trace as the "now" cursor, and a ▶ player under the time axis."""
    times = _time_frames(start, end, frames)
    frame_list = []
    for k, t in enumerate(times):
        data = [go.Scatter(x=_upto(xs, ys, t)[0], y=_upto(xs, ys, t)[1]) for xs, ys in lines]
        data.append(go.Scatter(x=[t, t], y=[0, ymax]))
        frame_list.append(go.Frame(name=str(k), data=data, traces=list(range(len(lines) + 1))))
    add_player(fig, frame_list, [f"t = {t:.2f} s" for t in times], duration=120)
    _player_below_axis(fig, height)


# ====================================================================== desired vs actual
def desired_vs_actual(trace_or_cluster, deployment: str = "web-app", namespace: str = "default",
                      start: float = 0.0, end: Optional[float] = None, frames: int = 60,
                      title: Optional[str] = None) -> go.Figure:
    """The reconcile loop as a picture: the Deployment's desired replicas against the Pods
    that exist and the Pods that are Ready, over simulated time, with the learner's kubectl
    writes marked.  ▶ replays it; the gap between the lines is what the controllers close."""
    trace = trace_of(trace_or_cluster)
    end = end if end is not None else getattr(trace_or_cluster, "now", None) or trace[-1].time
    samples = replica_history(trace, deployment, namespace, start, end)
    lines = [
        ("desired (spec.replicas in etcd)", lambda s: s.desired, dict(color="#333", width=2.5, dash="dash")),
        ("Pods (not terminating)", lambda s: s.pods, dict(color="#1f6fb5", width=2.5)),
        ("Ready Pods", lambda s: s.ready, dict(color="#2e8b57", width=3)),
        ("Terminating Pods", lambda s: s.terminating, dict(color="#f28e2b", width=2)),
    ]
    series = [_steps(samples, end, value) for _, value, _ in lines]
    ymax = max(max(ys) for _, ys in series) + 2
    fig = go.Figure()
    for (name, _, line), (xs, ys) in zip(lines, series):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line=dict(shape="hv", **line),
                                 hovertemplate=f"{name}: %{{y}}<br>t = %{{x:.3f}} s<extra></extra>"))
    fig.add_trace(go.Scatter(x=[end, end], y=[0, ymax], mode="lines", name="now",
                             line=dict(color="#999", width=1), hoverinfo="skip", showlegend=False))
    _action_lines(fig, kubectl_actions(trace, start, end), ymax)
    style.base_layout(fig, title or f"Desired vs actual: Deployment {deployment}", height=430)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      margin=dict(t=80, b=90))
    fig.update_xaxes(title="simulated time (s)", range=[start, end + 0.02 * (end - start)])
    fig.update_yaxes(title="count", range=[-0.3, ymax], dtick=1 if ymax <= 16 else 2)
    _animate_step_lines(fig, series, start, end, frames, ymax, 430)
    return fig


# ====================================================================== slow start
@dataclass
class Batch:
    """Create requests the controller sent at the same moment, and when each was answered."""

    sent: float
    replies: list                     # reply time of each request (None: unanswered)
    events: list = field(default_factory=list)   # times of the SuccessfulCreate Events it caused

    @property
    def size(self) -> int:
        return len(self.replies)

    @property
    def done(self) -> float:
        return max((t for t in self.replies if t is not None), default=self.sent)


def create_batches(trace_or_cluster, since: float, until: Optional[float] = None,
                   client: str = "kube-controller-manager", resource: str = "pods") -> list[Batch]:
    """The ``POST pods`` requests ``client`` sent in ``[since, until]``, grouped by send time
    (requests sent in the same instant form one batch), with their replies."""
    trace = trace_of(trace_or_cluster)
    until = float("inf") if until is None else until
    sent: dict[int, float] = {}
    replies: dict[int, float] = {}
    for r in trace:
        if r.kind != "message" or r.time < since:
            continue
        if r.source == client and r.ref.get("verb") == "create" and r.ref.get("resource") == resource \
                and r.time <= until:
            sent[r.ref["request"]] = r.time
        elif r.target == client and r.ref.get("request") in sent and "verb" not in r.ref:
            replies.setdefault(r.ref["request"], r.ref.get("arrive", r.time))
    batches: list[Batch] = []
    for rid in sorted(sent, key=lambda i: (sent[i], i)):
        if batches and abs(sent[rid] - batches[-1].sent) < 1e-9:
            batches[-1].replies.append(replies.get(rid))
        else:
            batches.append(Batch(sent[rid], [replies.get(rid)]))
    # The controller records a SuccessfulCreate Event as each reply comes back.
    created = [r.time for r in trace if r.kind == "event" and r.ref.get("reason") == "SuccessfulCreate"
               and r.time >= since]
    for batch, after in zip(batches, batches[1:] + [None]):
        stop = after.sent if after is not None else until
        # An answer is recorded at the very moment the next batch leaves: windows are (sent, next].
        batch.events = [t for t in created if batch.sent < t <= stop][:batch.size]
    return batches


def slow_start_figure(trace_or_cluster, since: float, until: Optional[float] = None,
                      title: Optional[str] = None) -> go.Figure:
    """Each create request of the ReplicaSet controller as a bar from *sent* to *answered*
    (milliseconds after ``since``), coloured by batch: 1, then 2, then 4 … at once."""
    batches = create_batches(trace_or_cluster, since, until)
    fig = go.Figure()
    row = 0
    for b, batch in enumerate(batches):
        color = RS_COLORS[b % len(RS_COLORS)]
        xs, ys, hover = [], [], []
        for reply in batch.replies:
            row += 1
            stop = reply if reply is not None else batch.sent
            xs += [1000 * (batch.sent - since), 1000 * (stop - since), None]
            ys += [row, row, None]
            hover += [f"request {row}: sent +{1000 * (batch.sent - since):.1f} ms", 
                      f"request {row}: answered +{1000 * (stop - since):.1f} ms", ""]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=f"batch {b + 1}: "
                                 f"{batch.size} request{'s' if batch.size > 1 else ''}",
                                 line=dict(color=color, width=6),
                                 marker=dict(size=9, color=color, symbol=["circle", "arrow", "circle"] * batch.size,
                                             angleref="previous"),
                                 hovertext=hover, hoverinfo="text"))
        fig.add_annotation(x=1000 * (batch.done - since), y=row - (batch.size - 1) / 2,
                           xanchor="left", showarrow=False, xshift=8, font=dict(size=11, color=color),
                           text=f"<b>batch {b + 1}</b>: {batch.size} POST pods at once")
    change = rs_spec_change(trace_or_cluster, since)
    if change is not None:
        t, name, before, after = change
        fig.add_vline(x=1000 * (t - since), line=dict(color="#a0522d", dash="dot", width=1.5))
        fig.add_annotation(x=1000 * (t - since), y=0.4, xanchor="right", showarrow=False, xshift=-4,
                           text=f"ReplicaSet spec.replicas {before} → {after}",
                           font=dict(size=10, color="#a0522d"))
    style.base_layout(fig, title or "Slow start: the ReplicaSet controller's create requests",
                      height=max(300, 120 + 34 * max(row, 1)))
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(t=80))
    last = max((b.done for b in batches), default=since)
    fig.update_xaxes(title="milliseconds after kubectl scale", range=[0, 1000 * (last - since) * 1.45 + 1])
    fig.update_yaxes(title="create request", autorange="reversed", dtick=1)
    return fig


def rs_spec_change(trace_or_cluster, since: float) -> Optional[tuple]:
    """``(time, replicaset, before, after)``: the first change of a ReplicaSet's
    ``spec.replicas`` committed after ``since`` (None if there was none)."""
    last: dict[str, int] = {}
    for r in trace_of(trace_or_cluster):
        if r.kind != "object" or r.ref.get("object_kind") != "ReplicaSet":
            continue
        name, replicas = r.ref["name"], (r.ref.get("state") or {}).get("replicas")
        if r.time > since and name in last and last[name] != replicas and r.ref.get("verb") == "MODIFIED":
            return r.time, name, last[name], replicas
        last[name] = replicas
    return None


# ====================================================================== scale-down victims
def pod_states_at(trace_or_cluster, t: float, deployment: str = "web-app",
                  namespace: str = "default") -> dict[str, dict]:
    """Every Pod of ``deployment`` that existed at time ``t``: its last recorded state, plus
    ``created`` (when it was added) and ``ready_since`` (when it last became Ready)."""
    replay = _Replay(deployment, namespace)
    ready_since: dict[str, float] = {}
    for r in trace_of(trace_or_cluster):
        if r.time > t:
            break
        before = replay.pods.get(r.ref.get("name")) if r.kind == "object" else None
        replay.apply(r)
        if r.kind == "object" and r.ref.get("object_kind") == "Pod" and r.ref.get("verb") != "DELETED":
            now = r.ref["state"]
            if now.get("ready") and not (before or {}).get("ready"):
                ready_since[r.ref["name"]] = r.time
    return {n: dict(p, created=replay.pod_added[n], ready_since=ready_since.get(n))
            for n, p in sorted(replay.ours().items()) if not p.get("terminating")}


def deleted_by_controller(trace_or_cluster, since: float, until: Optional[float] = None) -> list[str]:
    """Pods the ReplicaSet controller deleted (its ``SuccessfulDelete`` Events) in the window."""
    until = float("inf") if until is None else until
    return [r.summary.rsplit(" ", 1)[-1] for r in trace_of(trace_or_cluster)
            if r.kind == "event" and r.ref.get("reason") == "SuccessfulDelete" and since <= r.time <= until]


def scale_down_table(trace_or_cluster, at: float, deployment: str = "web-app",
                     namespace: str = "default", within: float = 2.0) -> str:
    """A text table of the Pods at the moment of a scale-down (``at``): which the controller
    deleted in the next ``within`` seconds, and the facts its ordering looks at (node,
    phase, ready, age)."""
    pods = pod_states_at(trace_or_cluster, at, deployment, namespace)
    gone = set(deleted_by_controller(trace_or_cluster, at, at + within))
    rows = [("POD", "NODE", "PHASE", "READY", "AGE", "DELETED")]
    order = sorted(pods, key=lambda n: (n not in gone, n))
    for name in order:
        p = pods[name]
        rows.append((name, p.get("node") or "<none>", p.get("phase") or "Pending",
                     "yes" if p.get("ready") else "no", f"{at - p['created']:.1f}s",
                     "deleted" if name in gone else "kept"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ====================================================================== rolling update
@dataclass
class RolloutNumbers:
    """What a rolling update did, measured from the trace."""

    replicas: int
    peak_pods: int              # most Pods at once (not terminating)
    peak_with_terminating: int  # … counting Pods still shutting down
    min_available: int          # fewest available replicas (the Deployment's status)
    min_ready: int              # fewest Ready Pods (not terminating)
    started: float
    finished: Optional[float]   # when only the target ReplicaSet's Pods were left, all Ready (None: not yet)
    low_at: float               # when availability was lowest

    @property
    def duration(self) -> Optional[float]:
        return None if self.finished is None else self.finished - self.started


def rollout_numbers(trace_or_cluster, start: float, end: Optional[float] = None,
                    deployment: str = "web-app", namespace: str = "default") -> RolloutNumbers:
    """Peak Pods, lowest availability and duration of the rollout that began at ``start``."""
    samples = replica_history(trace_or_cluster, deployment, namespace, start, end)
    replicas = samples[-1].desired
    # The ReplicaSet the rollout moves to: the one holding most Pods at the end (the newest
    # one for an update, an old one brought back for a rollback).
    target = max(samples[-1].per_rs.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))[0]
    low = min(samples, key=lambda s: (min(s.available, s.ready), s.time))
    finished = next((s.time for s in samples
                     if s.per_rs == {target: replicas} and s.ready == replicas
                     and s.available == replicas and s.terminating == 0 and s.time > start), None)
    return RolloutNumbers(replicas, max(s.pods for s in samples),
                          max(s.pods + s.terminating for s in samples),
                          min(s.available for s in samples), min(s.ready for s in samples),
                          start, finished, low.time)


def rollout_figure(trace_or_cluster, start: float, end: Optional[float] = None,
                   deployment: str = "web-app", namespace: str = "default",
                   max_surge="25%", max_unavailable="25%", frames: int = 60,
                   title: Optional[str] = None) -> go.Figure:
    """A rolling update, animated: each ReplicaSet's Pods stacked over time (terminating
    Pods in grey on top), the Ready Pods and the Deployment's available replicas, between
    the ceiling ``replicas + maxSurge`` and the floor ``replicas − maxUnavailable``."""
    trace = trace_of(trace_or_cluster)
    end = end if end is not None else getattr(trace_or_cluster, "now", None) or trace[-1].time
    samples = replica_history(trace, deployment, namespace, start, end)
    replicas = samples[-1].desired
    surge = scaled_value(max_surge, replicas, True)
    unavailable = scaled_value(max_unavailable, replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    ceiling, floor = replicas + surge, replicas - unavailable
    sets = [(n, img) for n, img in rs_names(trace, deployment, namespace, end)
            if any(s.per_rs.get(n) for s in samples)]
    series, names, colors = [], [], []
    below = [0] * (len(samples) + 1)
    for i, (rs, image) in enumerate(sets):
        xs, ys = _steps(samples, end, lambda s, rs=rs: s.per_rs.get(rs, 0))
        ys = [a + b for a, b in zip(ys, below)]
        below = ys
        series.append((xs, ys))
        names.append(f"Pods of {rs} ({image})")
        colors.append(RS_COLORS[i % len(RS_COLORS)])
    xs, ys = _steps(samples, end, lambda s: s.terminating)
    series.append((xs, [a + b for a, b in zip(ys, below)]))
    names.append("Terminating Pods")
    colors.append(TERMINATING_COLOR)
    ready = _steps(samples, end, lambda s: s.ready)
    available = _steps(samples, end, lambda s: s.available)
    ymax = max(max(series[-1][1]), ceiling) + 2
    fig = go.Figure()
    fig.add_hrect(y0=ceiling, y1=ymax, fillcolor="#d62728", opacity=0.07, line_width=0, layer="below")
    fig.add_hrect(y0=-0.5, y1=floor, fillcolor="#d62728", opacity=0.07, line_width=0, layer="below")
    fig.add_hline(y=ceiling, line=dict(color="#d62728", dash="dash", width=1.5))
    fig.add_hline(y=floor, line=dict(color="#e07b00", dash="dash", width=1.5))
    fig.add_annotation(x=1, xref="paper", y=ceiling, yanchor="bottom", xanchor="right", showarrow=False,
                       text=f"ceiling: replicas + maxSurge = {replicas} + {surge} = {ceiling} Pods",
                       font=dict(size=11, color="#d62728"))
    fig.add_annotation(x=1, xref="paper", y=floor, yanchor="top", xanchor="right", showarrow=False,
                       text=f"floor: replicas − maxUnavailable = {replicas} − {unavailable} = {floor} available",
                       font=dict(size=11, color="#e07b00"))
    for i, ((x, y), name, color) in enumerate(zip(series, names, colors)):
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, fill="tozeroy" if i == 0 else "tonexty",
                                 line=dict(shape="hv", color=color, width=1), fillcolor=_alpha(color, 0.55),
                                 hovertemplate=f"{name}<br>stack top: %{{y}}<br>t = %{{x:.3f}} s<extra></extra>"))
    fig.add_trace(go.Scatter(x=ready[0], y=ready[1], mode="lines", name="Ready Pods",
                             line=dict(shape="hv", color="#111", width=2, dash="dot"),
                             hovertemplate="Ready Pods: %{y}<br>t = %{x:.3f} s<extra></extra>"))
    fig.add_trace(go.Scatter(x=available[0], y=available[1], mode="lines",
                             name="available (Deployment status)",
                             line=dict(shape="hv", color="#111", width=3),
                             hovertemplate="available: %{y}<br>t = %{x:.3f} s<extra></extra>"))
    lines = series + [ready, available]
    fig.add_trace(go.Scatter(x=[end, end], y=[0, ymax], mode="lines", line=dict(color="#999", width=1),
                             hoverinfo="skip", showlegend=False, name="now"))
    style.base_layout(fig, title or f"Rolling update of {deployment}: {replicas} replicas, "
                      f"maxSurge {max_surge}, maxUnavailable {max_unavailable}", height=480)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, font=dict(size=10),
                                  traceorder="normal"),
                      margin=dict(t=100, b=90))
    fig.update_xaxes(title="simulated time (s)", range=[start, end])
    fig.update_yaxes(title="Pods", range=[-0.3, ymax], dtick=1 if ymax <= 16 else 2)
    _animate_step_lines(fig, lines, start, end, frames, ymax, 480)
    return fig


def _alpha(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# ====================================================================== advanced: caches and lag
def status_lag(trace_or_cluster, replicaset: str, since: float, namespace: str = "default") -> Optional[tuple]:
    """``(spec_time, status_time)``: when ``replicaset``'s ``spec.replicas`` next changed after
    ``since``, and when its controller next wrote its ``status`` — the status trails the spec."""
    spec_at = status_at = None
    previous = None
    for r in trace_of(trace_or_cluster):
        if r.kind == "object" and r.ref.get("object_kind") == "ReplicaSet" and r.ref.get("name") == replicaset:
            replicas = (r.ref.get("state") or {}).get("replicas")
            if r.time >= since and spec_at is None and previous is not None and replicas != previous:
                spec_at = r.time
            previous = replicas
        elif (spec_at is not None and r.kind == "component" and r.ref.get("resource") == "replicasets"
              and r.ref.get("name") == replicaset and r.summary.split(" ")[1].endswith("/status")
              and r.ref.get("code") == 200 and r.time > spec_at):
            status_at = r.time
            break
    return None if spec_at is None or status_at is None else (spec_at, status_at)


def conflicts(trace_or_cluster, start: float = 0.0, end: Optional[float] = None) -> dict[str, int]:
    """How many writes each controller had refused with ``409 Conflict`` (then retried)."""
    end = float("inf") if end is None else end
    out: dict[str, int] = {}
    for r in trace_of(trace_or_cluster):
        if r.kind == "component" and start <= r.time <= end and r.summary.endswith("Conflict; requeued"):
            name = r.ref.get("controller", r.summary.split(":")[0])
            out[name] = out.get(name, 0) + 1
    return out


# ====================================================================== one object's writes, as a story
def object_story(trace_or_cluster, pod: str, start: float, end: float, namespace: str = "default",
                 watcher: str = "kube-controller-manager") -> list:
    """The messages of every write to Pod ``pod`` in ``[start, end]`` — request, etcd Txn and
    reply, the API reply — and the watch events that carried each change to ``watcher``.
    Pass it as ``include=`` to :func:`kubesim.viz.sequence_diagram` to leave out the rest of
    the cluster's traffic (leases, other Pods)."""
    from ..viz.story import api_call, etcd_key_of
    trace = trace_of(trace_or_cluster)
    key = etcd_key_of("Pod", namespace, pod)
    picked: dict[int, object] = {}
    for r in trace:
        if not (start <= r.time <= end) or r.kind != "message":
            continue
        if "verb" in r.ref and r.ref.get("verb") in ("patch", "update", "create", "delete") \
                and f"pods/{pod}" in r.summary:
            call = api_call(trace, r, key)
            for m in [call.request] + call.messages:
                if m.time <= end:
                    picked[m.seq] = m
        elif r.target == watcher and r.summary in (f"MODIFIED pods/{pod}", f"DELETED pods/{pod}"):
            picked[r.seq] = r
    return [picked[s] for s in sorted(picked)]


# ====================================================================== exercise (a): a controller
EXERCISE_DEPLOYMENT = seed.DEPLOYMENT


def _instrumented(cls, calls: list):
    """A subclass of the learner's controller that records every reconcile call."""

    class Observed(cls):  # type: ignore[misc, valid-type]
        def reconcile(self, key):
            calls.append((self.env.now, key))
            result = super().reconcile(key)
            if result is not None:
                yield from result

    Observed.__name__ = cls.__name__
    Observed.name = getattr(cls, "name", None) or cls.__name__
    return Observed


def _zone_of(cluster: Cluster, node: Optional[str]) -> Optional[str]:
    obj = cluster.get("Node", node) if node else None
    return ((obj or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)


def _web_pods(cluster: Cluster) -> list[dict]:
    return [p for p in cluster.list("Pod", "default")
            if not p["metadata"].get("deletionTimestamp")]


def _wrong_zone_labels(cluster: Cluster, pods: list[dict]) -> list[tuple[str, Optional[str], Optional[str]]]:
    """``(pod, label, want)`` for every scheduled Pod whose ``zone`` label is not its node's zone."""
    out = []
    for p in pods:
        node = p["spec"].get("nodeName")
        if not node:
            continue
        have = (p["metadata"].get("labels") or {}).get("zone")
        want = _zone_of(cluster, node)
        if have != want:
            out.append((p["metadata"]["name"], have, want))
    return out


class _Stop(Exception):
    """The learner's controller made the simulation fail; the message says how."""


def _run(cluster: Cluster, seconds: float, step: float = 1.0, max_writes: int = 400) -> None:
    """Run, turning an exception from the learner's reconcile or a write storm into _Stop."""
    started = wallclock.monotonic()
    target = cluster.now + seconds
    while cluster.now < target - 1e-9:
        try:
            cluster.run(min(step, target - cluster.now))
        except Exception as err:  # noqa: BLE001 - a learner never sees a traceback
            raise _Stop(f"your reconcile raised {type(err).__name__}: {' '.join(str(err).split())} — "
                        "it must cope with any state of the cache: a key whose object is gone "
                        "(`get` returns None), a Pod with no `spec.nodeName` yet, a Pod without "
                        "labels …") from None
        writes = sum(1 for r in cluster.trace.records[-5000:]
                     if r.kind == "message" and r.source == "kube-controller-manager"
                     and r.ref.get("resource") == "pods" and r.ref.get("verb") in ("patch", "update"))
        if writes > max_writes or wallclock.monotonic() - started > 60:
            raise _Stop("your controller keeps writing to Pods without end: compare first, and only "
                        "patch when the label is missing or wrong (a patch changes the Pod, which "
                        "wakes the controller again)")


def check_zone_labeler(cls):
    """Exercise (a): ``cls`` keeps every Pod's ``zone`` label equal to its node's zone.

    The check runs the controller in a fresh 3-zone cluster, applies the seed's Deployment,
    then breaks the invariant (a label removed, a label set wrong) and expects it restored.
    """
    with checking("your ZoneLabeler controller") as c:
        if not (isinstance(cls, type) and issubclass(cls, Controller)):
            return c.check(False, "", "ZoneLabeler should be a class that extends "
                                      "kubesim.controllers.Controller: `class ZoneLabeler(Controller): …`")
        if cls.reconcile is Controller.reconcile:
            return c.check(False, "", "write a `reconcile(self, key)` method: it is what the workers call "
                                      "for each key the informers queue")
        if not inspect.isgeneratorfunction(cls.reconcile):
            return c.check(False, "", "`reconcile` must be a generator: `yield` each API call "
                                      "(`yield self.client.patch(...)`) and `return` when there is "
                                      "nothing to do")
        calls: list = []
        cluster = Cluster(seed=0, zones=3, nodes_per_zone=1)
        cluster.run(1)
        try:
            cluster.add_controller(_instrumented(cls, calls))
        except Exception as err:  # noqa: BLE001
            return c.check(False, "", f"the controller could not start: {type(err).__name__}: {err} — "
                                      "if you wrote `__init__(self, manager)`, call "
                                      "`super().__init__(manager)` first")
        cluster.apply(EXERCISE_DEPLOYMENT)
        try:
            _run(cluster, 15)
            pods = _web_pods(cluster)
            wrong = _wrong_zone_labels(cluster, pods)
            if wrong:
                per_key: dict[str, int] = {}
                for _, key in calls:
                    per_key[key] = per_key.get(key, 0) + 1
                pod_keys = [f"default/{p['metadata']['name']}" for p in pods]
                if not calls:
                    hint = ("reconcile was never called: list what the controller watches, e.g. "
                            "`watches = (\"pods\",)` — every add, update and delete of a Pod then "
                            "queues its key")
                elif all(per_key.get(k, 0) <= 1 for k in pod_keys):
                    hint = ("each Pod was reconciled only once, when it was added — and a new Pod has "
                            "no node yet (the scheduler binds it a few ms later). React to updates "
                            "too (`watches = (\"pods\",)` queues the key on every change) and let "
                            "reconcile look at the Pod as it is now")
                else:
                    name, have, want = wrong[0]
                    hint = (f"Pod {name} runs in {want} but its `zone` label is {have!r}. The zone is "
                            "the label `topology.kubernetes.io/zone` of the Pod's node: read the node "
                            "from the cache with `self.informer(\"nodes\").get(pod[\"spec\"][\"nodeName\"])`")
                    if have is None:
                        hint += (" — and make sure the patch is yielded (`yield self.client.patch(...)`), "
                                 "or it is never sent")
                return c.check(False, "", f"{len(wrong)} of {len(pods)} Pods do not have the right "
                                          f"`zone` label after 15 s: {hint}")
            c.check(True, f"all {len(pods)} Pods got the label `zone` of their node "
                          f"({', '.join(sorted({_zone_of(cluster, p['spec']['nodeName']) for p in pods}))})")
            others = [p["metadata"]["name"] for p in pods
                      if (p["metadata"].get("labels") or {}).get("app") != "web"]
            if others or len(pods) != 3:
                return c.check(False, "", "the Pods lost their other labels (`app: web`), so the "
                                          "ReplicaSet no longer counts them: patch only the `zone` "
                                          "label (a merge patch `{\"metadata\": {\"labels\": {\"zone\": "
                                          "...}}}`) instead of replacing all labels")
            # Break the invariant twice, as a careless human would.
            names = sorted(p["metadata"]["name"] for p in pods)
            client = cluster.client()
            broke_at = cluster.now
            cluster.call(client.patch("pods", names[0], {"metadata": {"labels": {"zone": None}}},
                                      namespace="default"))
            cluster.call(client.patch("pods", names[1], {"metadata": {"labels": {"zone": "zone-x"}}},
                                      namespace="default"))
            _run(cluster, 5)
            wrong = _wrong_zone_labels(cluster, _web_pods(cluster))
            if wrong:
                told = {key for t, key in calls if t >= broke_at}
                if not ({f"default/{n}" for n in names[:2]} & told):
                    hint = ("your controller was not told that the Pods changed: it only acts when a Pod "
                            "is added (edge-triggered). Let every update queue the Pod's key — "
                            "`watches = (\"pods\",)` does — so reconcile can compare what is with what "
                            "should be, whatever happened")
                else:
                    hint = ("reconcile ran for those Pods but did not fix them: compare the label "
                            "with the node's zone on every call, not only when the label is missing")
                listing = ", ".join(f"{n} has {h!r} (want {w!r})" for n, h, w in wrong)
                return c.check(False, "", f"someone removed one Pod's label and set another's to "
                                          f"'zone-x'; 5 s later {listing}. {hint}")
            c.check(True, "a removed label and a wrong label were both put back within 5 s: "
                          "your controller heals")
            victim = names[2]
            cluster.kubectl(f"delete pod {victim} --wait=false")
            _run(cluster, 10)
            pods = _web_pods(cluster)
            wrong = _wrong_zone_labels(cluster, pods)
            c.check(not wrong and len(pods) == 3,
                    "the Pod that replaced a deleted one got its label too",
                    "after a Pod was deleted, its replacement did not get the right label: "
                    + ", ".join(f"{n} has {h!r} (want {w!r})" for n, h, w in wrong))
        except _Stop as stop:
            return c.check(False, "", str(stop))
    return c


# ====================================================================== exercise (b): rollout bounds
ROLLOUT_REPLICAS = 4
DEFAULTS = ("25%", "25%")


def _strategy_values(strategy) -> tuple:
    """``(maxSurge, maxUnavailable)`` from the learner's dict (camelCase or snake_case keys)."""
    if not isinstance(strategy, dict):
        raise TypeError("`strategy` should be a dict like {\"maxSurge\": …, \"maxUnavailable\": …}")
    keys = {k.replace("_", "").lower(): v for k, v in strategy.items()}
    unknown = [k for k in strategy if k.replace("_", "").lower() not in ("maxsurge", "maxunavailable")]
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}: use \"maxSurge\" and \"maxUnavailable\"")
    return keys.get("maxsurge", "25%"), keys.get("maxunavailable", "25%")


def _yaml_value(v) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def rollout_manifest(max_surge, max_unavailable, replicas: int = ROLLOUT_REPLICAS) -> str:
    """The seed's Deployment with ``replicas`` and this rolling-update strategy."""
    strategy = (f"  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
                f"      maxSurge: {_yaml_value(max_surge)}\n"
                f"      maxUnavailable: {_yaml_value(max_unavailable)}\n")
    return seed.DEPLOYMENT.replace("replicas: 3", f"replicas: {replicas}").replace(
        "spec:\n  replicas", "spec:\n" + strategy + "  replicas", 1)


def check_rollout_strategy(strategy):
    """Exercise (b): a rolling update of 4 replicas that never has fewer than 4 available.

    The check applies the seed's Deployment with 4 replicas and the learner's ``strategy``,
    updates the image to ``nginx:1.26`` and follows the rollout in the trace.
    """
    n = ROLLOUT_REPLICAS
    with checking("your rolling-update strategy") as c:
        try:
            surge, unavailable = _strategy_values(strategy)
        except (TypeError, ValueError) as err:
            return c.check(False, "", str(err))
        cluster = Cluster(seed=0)
        try:
            cluster.apply(rollout_manifest(surge, unavailable, n))
        except KubesimError as err:
            return c.check(False, "", f"kubectl apply refused it:\n{err}\n(maxSurge and maxUnavailable "
                                      "are a number of Pods or a percentage of replicas such as \"25%\"; "
                                      "they cannot both be 0 — then nothing could ever move)")
        c.check(True, f"kubectl apply accepted maxSurge {surge!r}, maxUnavailable {unavailable!r}")
        if not cluster.run_until(lambda cl: (cl.get("Deployment", "web-app")["status"]
                                             .get("availableReplicas", 0)) == n, timeout=60):
            return c.check(False, "", f"the {n} replicas did not become available before the update")
        start = cluster.now
        cluster.kubectl("set image deployment/web-app web=nginx:1.26")
        status = cluster.kubectl("rollout status deployment/web-app").splitlines()[-1]
        cluster.run(2)
        numbers = rollout_numbers(cluster, start, cluster.now)
        defaults = (str(surge), str(unavailable)) == DEFAULTS
        low = min(numbers.min_available, numbers.min_ready)
        if low < n:
            lost = scaled_value(unavailable, n, False)
            hint = (f"during the rollout only {low} of {n} replicas were available "
                    f"(t = {numbers.low_at - start:.1f} s after `set image`). ")
            if defaults:
                hint += ("Those are the defaults: maxUnavailable 25 % of 4 rounds down to 1, so the "
                         "Deployment controller may take 1 Pod away before its replacement is ready. ")
            else:
                hint += (f"maxUnavailable {unavailable!r} of {n} allows {max(lost, 1)} Pod(s) to be "
                         "missing. ")
            hint += ("Which setting lets an old Pod go only once a new one is ready — and what must "
                     "the other one then allow?")
            return c.check(False, "", hint)
        c.check(True, f"never fewer than {n} available: the Deployment's availableReplicas and "
                      f"the Ready Pods both stayed at {n} or more")
        c.check(status.endswith("successfully rolled out") and numbers.finished is not None,
                f"the rollout finished: {n} new Pods, {numbers.duration:.1f} s after `set image`, "
                f"with at most {numbers.peak_pods} Pods at once"
                if numbers.finished is not None else "the rollout finished",
                f"the rollout did not finish (`kubectl rollout status` says: {status!r}): with "
                f"maxUnavailable 0, maxSurge must be at least 1 so that a new Pod can start")
    return c
