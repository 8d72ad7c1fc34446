"""``pod_timeline``: each Pod's life as a bar over time, read back from the trace.

A Pod's phases come from what the components recorded and the watch events kube-apiserver
sent — nothing is read from etcd:

==========================  ===========================================================
created                     the first ``ADDED pods/<name>`` watch event
scheduled                   kube-scheduler's ``scheduled <ns>/<name> -> <node>`` record
ContainerCreating           from scheduled until kubelet's ``Started`` Event
Error / back-off            a ``Failed`` or ``BackOff`` Event, until the next ``Started``
Running                     from the ``Started`` Event
Terminating                 a delete request, kubelet's ``Killing`` or an eviction Event
deleted                     the first ``DELETED pods/<name>`` watch event
==========================  ===========================================================

A Pod recreated with the same name (a StatefulSet's) gets a second bar.  Watch events name
Pods without their namespace, so two Pods with the same name in different namespaces at
the same time would share a bar (the course never does that).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import plotly.graph_objects as go

from . import style
from .tracedata import end_time, faults, role, trace_of

PENDING, CREATING, RUNNING, ERROR, TERMINATING = style.PHASE_COLORS
TERMINATING_REASONS = ("Killing", "TaintManagerEviction")
ERROR_REASONS = ("Failed", "BackOff")


@dataclass
class PodLife:
    """One incarnation of a Pod: its phase changes ``[(time, phase), …]`` and where it ran."""

    namespace: str
    name: str
    created: float
    node: str = ""
    changes: list = field(default_factory=list)
    deleted: Optional[float] = None

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def phase(self) -> str:
        """The phase the Pod is in after its last change."""
        return self.changes[-1][1] if self.changes else PENDING

    def change(self, time: float, phase: str) -> None:
        """Move to ``phase`` (nothing leaves Terminating; repeats are ignored)."""
        if self.deleted is None and self.phase() != TERMINATING and self.phase() != phase:
            self.changes.append((time, phase))

    def segments(self, end: float) -> list[tuple[float, float, str]]:
        """``(start, stop, phase)`` for every phase, the last one until deletion or ``end``."""
        stop = self.deleted if self.deleted is not None else end
        times = [t for t, _ in self.changes[1:]] + [stop]
        return [(t, max(t2, t), p) for (t, p), t2 in zip(self.changes, times)]


# ---------------------------------------------------------------------- reading the trace
def pod_lives(trace_or_cluster, namespace: Optional[str] = None) -> list[PodLife]:
    """Every Pod incarnation in the trace (in order of creation), optionally in one namespace."""
    trace = trace_of(trace_or_cluster)
    namespaces = _pod_namespaces(trace)
    lives: dict[str, PodLife] = {}
    done: list[PodLife] = []
    for r in trace:
        name = _pod_named(r)
        if name is None:
            continue
        life = lives.get(name)
        if r.kind == "message" and r.summary.startswith("ADDED pods/") and life is None:
            life = lives[name] = PodLife(namespaces.get(name, "default"), name, r.time)
            life.change(r.time, PENDING)
        elif life is not None:
            _update(life, r)
            if life.deleted is not None:
                done.append(lives.pop(name))
    everything = sorted(done + list(lives.values()), key=lambda p: (p.created, p.name))
    return [p for p in everything if namespace in (None, p.namespace)]


def _pod_namespaces(trace) -> dict[str, str]:
    """Pod name -> namespace, from the etcd keys kube-apiserver wrote."""
    out: dict[str, str] = {}
    for r in trace:
        if r.kind == "message" and r.summary.startswith("Txn /registry/pods/"):
            for key in r.summary[4:].split(", "):
                parts = key.split("/")
                if len(parts) == 5 and parts[2] == "pods":
                    out.setdefault(parts[4], parts[3])
    return out


def _pod_named(r) -> Optional[str]:
    """The Pod a record is about, if it is one the timeline uses."""
    if r.kind == "message" and r.summary.startswith(("ADDED pods/", "DELETED pods/")):
        return r.summary.split("/", 1)[1]
    if r.kind == "event" and r.ref.get("object", "").startswith("pod/"):
        return r.ref["object"][4:]
    if r.kind == "component" and r.ref.get("pod"):
        return r.ref["pod"].split("/", 1)[1]
    if r.kind == "component" and r.ref.get("verb") == "delete" and r.ref.get("resource") == "pods":
        return r.ref.get("name")
    return None


def _update(life: PodLife, r) -> None:
    """Apply one record about the Pod to its life (see the module docstring)."""
    if r.kind == "message":
        if r.summary.startswith("DELETED pods/"):
            life.deleted = r.time
    elif r.kind == "component" and r.summary.startswith("scheduled "):
        life.node = r.ref.get("node", "")
        life.change(r.time, CREATING)
    elif r.kind == "component" and r.ref.get("verb") == "delete" and r.ref.get("code", 500) < 300:
        life.change(r.time, TERMINATING)
    elif r.kind == "event":
        reason = r.ref.get("reason")
        if reason == "Started":
            life.change(r.time, RUNNING)
        elif reason in ERROR_REASONS:
            life.change(r.time, ERROR)
        elif reason in TERMINATING_REASONS:
            life.change(r.time, TERMINATING)


def host_down_intervals(trace, end: float) -> dict[str, list[tuple[float, float]]]:
    """For every host: the intervals during which it (or its kubelet) was crashed."""
    out: dict[str, list] = {}
    since: dict[str, float] = {}
    for r in faults(trace):
        hosts = {c[len("kubelet-"):] for c in r.ref.get("components") or [] if role(c) == "kubelet"}
        for host in hosts:
            if r.summary.startswith("crash") and host not in since:
                since[host] = r.time
            elif r.summary.startswith("restart") and host in since:
                out.setdefault(host, []).append((since.pop(host), r.time))
    for host, t in since.items():
        out.setdefault(host, []).append((t, end))
    return out


# ---------------------------------------------------------------------- the figure
def pod_timeline(trace_or_cluster, namespace: Optional[str] = None,
                 end: Optional[float] = None, title: Optional[str] = None) -> go.Figure:
    """One horizontal bar per Pod over simulated time, coloured by phase (see the module
    docstring): Pending → ContainerCreating → Running → Terminating → gone.

    Vertical lines mark faults (crash, restart, partition, heal); a hatched overlay marks
    the time a Pod's node was down — the API still says "Running" then, because nobody is
    left to report otherwise until the node lifecycle controller steps in.
    """
    trace = trace_of(trace_or_cluster)
    end = end if end is not None else getattr(trace_or_cluster, "now", None) or end_time(trace)
    lives = pod_lives(trace, namespace)
    labels = _row_labels(lives)
    fig = go.Figure()
    for phase, color in style.PHASE_COLORS.items():
        fig.add_trace(_phase_bars(lives, labels, phase, color, end))
    fig.add_trace(_down_bars(lives, labels, host_down_intervals(trace, end), end))
    _fault_lines(fig, trace, end)
    where = f" in namespace {namespace}" if namespace else ""
    style.base_layout(fig, title or f"Pods over time{where}", height=170 + 30 * max(len(lives), 2))
    fig.update_layout(barmode="overlay", bargap=0.35,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0,
                                  font=dict(size=10)),
                      margin=dict(t=80))
    fig.update_xaxes(title="simulated time (s)", range=[0, end * 1.02 + 0.1])
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10), type="category",
                     categoryorder="array", categoryarray=labels)
    if not lives:
        fig.add_annotation(text="no Pods in the trace yet", showarrow=False, xref="paper",
                           yref="paper", x=0.5, y=0.5)
    return fig


def _row_labels(lives: list[PodLife]) -> list[str]:
    """``name · node`` per incarnation; a repeated name gets ``(2)``, ``(3)`` …"""
    seen: dict[str, int] = {}
    labels = []
    for life in lives:
        seen[life.key] = seen.get(life.key, 0) + 1
        again = f" ({seen[life.key]})" if seen[life.key] > 1 else ""
        labels.append(f"{life.name}{again} · {life.node or 'unscheduled'}")
    return labels


def _phase_bars(lives, labels, phase: str, color: str, end: float) -> go.Bar:
    """The bars of one phase for every Pod, as one trace (one legend entry)."""
    base, length, rows, hover = [], [], [], []
    for life, label in zip(lives, labels):
        for t0, t1, p in life.segments(end):
            if p == phase:
                base.append(round(t0, 6))
                length.append(round(max(t1 - t0, 1e-6), 6))
                rows.append(label)
                hover.append(f"<b>{life.key}</b> on {life.node or '—'}<br>{phase}: "
                             f"{t0:.3f} s → {t1:.3f} s")
    return go.Bar(base=base, x=length, y=rows, orientation="h", name=phase, hovertext=hover,
                  hoverinfo="text", marker=dict(color=color), showlegend=True)


def _down_bars(lives, labels, down: dict, end: float) -> go.Bar:
    """Hatched bars over the time each Pod's node was down."""
    base, length, rows = [], [], []
    for life, label in zip(lives, labels):
        stop = life.deleted if life.deleted is not None else end
        for t0, t1 in down.get(life.node, []):
            lo, hi = max(t0, life.created), min(t1, stop)
            if hi > lo:
                base.append(round(lo, 6))
                length.append(round(hi - lo, 6))
                rows.append(label)
    return go.Bar(base=base, x=length, y=rows, orientation="h", name="node down",
                  hoverinfo="skip", width=0.65,
                  marker=dict(color="rgba(0,0,0,0)", line=dict(width=0),
                              pattern=dict(shape="/", fgcolor=style.CRASHED_LINE, size=6)))


def _fault_lines(fig: go.Figure, trace, end: float) -> None:
    """A dashed vertical line and a label for every fault record."""
    lines, labels = [], []
    for i, r in enumerate(faults(trace, end)):
        verb = r.summary.split()[0]
        color = {"crash": style.CRASHED_LINE, "restart": "#2e8b57"}.get(verb, "#777")
        lines.append(dict(type="line", x0=r.time, x1=r.time, y0=0, y1=1, yref="paper",
                          line=dict(color=color, width=1.5, dash="dash")))
        labels.append(dict(x=r.time, y=1, yref="paper", yanchor="top", text=r.summary,
                           showarrow=False, font=dict(size=10, color=color), xanchor="left",
                           bgcolor="rgba(255,255,255,0.8)", yshift=-14 * (i % 3)))
    fig.update_layout(shapes=lines, annotations=list(fig.layout.annotations) + labels)
