"""Lesson 06 — the node: kubelet and the container runtime, read back from the trace.

Figures and numbers (trace only: ``object``, ``event``, ``component``, ``message`` and
``fault`` records):

* :func:`pod_steps` / :func:`steps_table` — what kubelet and containerd did for one Pod;
* :func:`probe_timeline` — startup, readiness and liveness probes against the Pod's Ready
  condition and its container's restarts;
* :func:`backoff_waits` / :func:`backoff_figure` — CrashLoopBackOff and ImagePullBackOff on
  a time axis, and the waits doubling from 10 s to 5 minutes;
* :func:`watch_termination` — ``kubectl delete`` and what the container did (SIGTERM/SIGKILL);
* :func:`node_failure_numbers` / :func:`node_failure_figure` — heartbeats stop, NotReady after
  the grace period, the unreachable taint, eviction, replacement.

Exercise checks: :func:`check_exit_code`, :func:`check_bad_image`, :func:`check_fixed_shop`
(diagnose and fix) and :func:`check_fast_failover` (tolerationSeconds).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..api import clock
from ..checks import checking
from ..cluster import Cluster
from .common import apply_to_fresh_cluster, learner_deployment
from ..controllers.node_lifecycle import NODE_MONITOR_GRACE_PERIOD
from ..errors import KubesimError
from ..kubelet.kubelet import BACKOFF_INITIAL, BACKOFF_MAX
from ..runtime import normalize_image
from ..viz import style
from ..viz.tracedata import trace_of

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
DEFAULT_TOLERATION = 300


# ====================================================================== small helpers
def _pod_events(trace, pod: str, reasons: Optional[Iterable[str]] = None) -> list:
    """Event records about Pod ``pod`` (optionally only these reasons), in order."""
    wanted = set(reasons) if reasons is not None else None
    return [r for r in trace if r.kind == "event" and r.ref.get("object") == f"pod/{pod}"
            and (wanted is None or r.ref.get("reason") in wanted)]


def _pod_objects(trace, pod: str, namespace: str = "default") -> list:
    """``object`` records of Pod ``pod``, in order."""
    return [r for r in trace if r.kind == "object" and r.ref.get("object_kind") == "Pod"
            and r.ref.get("name") == pod and r.ref.get("namespace") == namespace]


def _end_of(trace_or_cluster) -> float:
    trace = trace_of(trace_or_cluster)
    return getattr(trace_or_cluster, "now", None) or (trace[-1].time if len(trace) else 0.0)


def _table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ====================================================================== one Pod, step by step
@dataclass
class Step:
    """One step of a Pod's start: what happened, who did it, when it ended, how long it took."""

    what: str
    who: str
    at: float
    took: Optional[float] = None


def pod_steps(trace_or_cluster, pod: str, namespace: str = "default") -> list[Step]:
    """The kubelet's steps for ``pod``, from the scheduler's binding to the Ready report.

    Each step's end is a record kubelet (or the API server) left in the trace; a CRI call's
    duration is measured from the end of the previous step."""
    trace = trace_of(trace_or_cluster)
    steps: list[Step] = []
    sched = next((r for r in trace if r.kind == "component" and r.source == "kube-scheduler"
                  and r.ref.get("pod") == f"{namespace}/{pod}"), None)
    if sched is None:
        return steps
    node = sched.ref.get("node", "")
    kubelet, runtime = f"kubelet-{node}", f"containerd-{node}"
    steps.append(Step(f"kube-scheduler picks {node}", "kube-scheduler", sched.time))
    seen = next((r for r in trace if r.kind == "message" and r.target == kubelet and r.time >= sched.time
                 and r.summary in (f"ADDED pods/{pod}", f"MODIFIED pods/{pod}")), None)
    if seen is not None:
        steps.append(Step("kubelet hears of the Pod (watch event)", kubelet, seen.ref.get("arrive", seen.time)))
    objects = _pod_objects(trace, pod, namespace)
    creating = next((r for r in objects if (r.ref["state"] or {}).get("waiting") == "ContainerCreating"), None)
    if creating is not None:
        steps.append(Step("status → ContainerCreating", f"{kubelet} → API", creating.time))
    sandbox = next((r for r in trace if r.kind == "component" and r.source == kubelet
                    and r.ref.get("pod") == f"{namespace}/{pod}" and r.summary.startswith("sandbox ready")), None)
    if sandbox is not None:
        steps.append(Step(f"RunPodSandbox: pause container, IP {sandbox.ref.get('ip', '?')}", runtime, sandbox.time))
    events = _pod_events(trace, pod)
    first = {}
    for r in events:
        first.setdefault(r.ref.get("reason"), r)
    if "Pulling" in first and "Pulled" in first:
        image = first["Pulling"].summary.split('"')[1] if '"' in first["Pulling"].summary else ""
        steps.append(Step(f"PullImage {image}", runtime, first["Pulled"].time))
    elif "Pulled" in first:
        steps.append(Step("image already present on the node", runtime, first["Pulled"].time))
    if "Created" in first:
        steps.append(Step("CreateContainer", runtime, first["Created"].time))
    if "Started" in first:
        steps.append(Step("StartContainer", runtime, first["Started"].time))
    ready = next((r for r in objects if (r.ref["state"] or {}).get("ready")), None)
    if ready is not None:
        steps.append(Step("status → Running, Ready", f"{kubelet} → API", ready.time))
    for prev, step in zip(steps, steps[1:]):
        step.took = step.at - prev.at
    return steps


def steps_table(steps: list[Step], since: float = 0.0) -> str:
    """:func:`pod_steps` as a text table (times in seconds after ``since``)."""
    rows = [("STEP", "WHO", "AT", "TOOK")]
    for s in steps:
        rows.append((s.what, s.who, f"{s.at - since:.3f}s",
                     "" if s.took is None else f"{s.took * 1000:.0f} ms" if s.took < 1 else f"{s.took:.2f} s"))
    return _table(rows)


# ====================================================================== probes
PROBE_ROWS = ["startup probe", "liveness probe", "readiness probe", "container", "Pod Ready"]


def _ready_segments(trace, pod: str, end: float, namespace: str = "default") -> list[tuple]:
    """``(start, stop, ready)`` from the Pod's object records."""
    out, since, state = [], None, None
    for r in _pod_objects(trace, pod, namespace):
        ready = bool((r.ref["state"] or {}).get("ready"))
        if r.ref.get("verb") == "DELETED":
            break
        if state is None or ready != state:
            if state is not None:
                out.append((since, r.time, state))
            since, state = r.time, ready
    if state is not None:
        out.append((since, end, state))
    return out


def probe_timeline(trace_or_cluster, pod: str, namespace: str = "default", start: float = 0.0,
                   end: Optional[float] = None, notes: Iterable[tuple] = (),
                   title: Optional[str] = None) -> go.Figure:
    """Probe failures (kubelet's ``Unhealthy`` Events) per probe kind, the container's starts and
    kills, and the Pod's Ready condition, on one time axis.

    ``notes``: ``[(time, text), …]`` — what the lesson did to the program (drawn as lines)."""
    trace = trace_of(trace_or_cluster)
    end = end if end is not None else _end_of(trace_or_cluster)
    fig = go.Figure()
    kinds = {"startup probe": "Startup", "liveness probe": "Liveness", "readiness probe": "Readiness"}
    unhealthy = [r for r in _pod_events(trace, pod, ["Unhealthy"]) if start <= r.time <= end]
    for row, word in kinds.items():
        hits = [r for r in unhealthy if r.summary.split(": ", 1)[-1].startswith(f"{word} probe failed")]
        fig.add_trace(go.Scatter(x=[r.time for r in hits], y=[row] * len(hits), mode="markers",
                                 name=f"{row} failed", showlegend=False,
                                 marker=dict(symbol="x-thin", size=11, line=dict(width=2.5, color="#d62728")),
                                 hovertext=[f"t={r.time:.2f} s<br>{r.summary[len('event '):][:140]}" for r in hits],
                                 hoverinfo="text"))
    started = [r for r in _pod_events(trace, pod, ["Started"]) if start <= r.time <= end]
    killed = [r for r in _pod_events(trace, pod, ["Killing"]) if start <= r.time <= end]
    fig.add_trace(go.Scatter(x=[r.time for r in started], y=["container"] * len(started), mode="markers+text",
                             name="container started", marker=dict(symbol="triangle-right", size=13, color="#2e8b57"),
                             text=["started" if i == 0 else f"restart {i}" for i in range(len(started))],
                             textposition="top center", textfont=dict(size=10, color="#2e8b57"),
                             hovertext=[f"t={r.time:.2f} s<br>{r.summary}" for r in started], hoverinfo="text",
                             showlegend=False))
    fig.add_trace(go.Scatter(x=[r.time for r in killed], y=["container"] * len(killed), mode="markers+text",
                             name="container killed", marker=dict(symbol="x", size=13, color="#d62728"),
                             text=["killed"] * len(killed), textposition="bottom center",
                             textfont=dict(size=10, color="#d62728"),
                             hovertext=[f"t={r.time:.2f} s<br>{r.summary}" for r in killed], hoverinfo="text",
                             showlegend=False))
    for t0, t1, ready in _ready_segments(trace, pod, end, namespace):
        t0, t1 = max(t0, start), min(t1, end)
        if t1 <= t0:
            continue
        color = "#2e8b57" if ready else "#bdbdbd"
        fig.add_trace(go.Scatter(x=[t0, t1], y=["Pod Ready"] * 2, mode="lines", showlegend=False,
                                 line=dict(color=color, width=16), hoverinfo="text",
                                 hovertext=f"{'Ready' if ready else 'not Ready'}: {t0:.2f} s → {t1:.2f} s"))
        if t1 - t0 > 0.06 * (end - start):
            fig.add_annotation(x=(t0 + t1) / 2, y="Pod Ready", text="Ready" if ready else "not Ready",
                               showarrow=False, font=dict(size=10, color="white" if ready else "#333"))
    for i, (t, text) in enumerate(notes):
        fig.add_vline(x=t, line=dict(color="#7b4fa0", dash="dot", width=1.5))
        fig.add_annotation(x=t, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                           text=text, font=dict(size=10, color="#7b4fa0"), yshift=2 + 13 * (i % 2))
    style.base_layout(fig, title or f"Probes of Pod {pod}: ✗ = a failed probe (kubelet's Unhealthy Event)",
                      height=380)
    fig.update_layout(margin=dict(t=90, l=130))
    fig.update_xaxes(title="simulated time (s)", range=[start, end])
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(PROBE_ROWS)),
                     range=[-0.6, len(PROBE_ROWS) - 0.4])
    return fig


# ====================================================================== back-off
@dataclass
class Wait:
    """One back-off: kubelet waited from ``since`` to ``until`` before trying again."""

    since: float
    until: float

    @property
    def seconds(self) -> float:
        return self.until - self.since


def backoff_waits(trace_or_cluster, pod: str, kind: str = "crash") -> list[Wait]:
    """The back-offs of ``pod``: ``kind="crash"`` — from each ``BackOff`` (restarting failed
    container) Event to the next ``Started``; ``kind="pull"`` — from each ``BackOff`` (pulling
    image) Event to the next ``Pulling`` attempt.  (Before its back-off, a failed pull shows
    ``ErrImagePull`` for a second.)"""
    trace = trace_of(trace_or_cluster)
    events = _pod_events(trace, pod)
    if kind == "crash":
        begin = [r for r in events if r.ref.get("reason") == "BackOff" and "restarting" in r.summary]
        again = [r for r in events if r.ref.get("reason") == "Started"]
    else:
        begin = [r for r in events if r.ref.get("reason") == "BackOff" and "pulling image" in r.summary]
        again = [r for r in events if r.ref.get("reason") == "Pulling"]
    out = []
    for b in begin:
        nxt = next((r for r in again if r.time > b.time), None)
        if nxt is not None:
            out.append(Wait(b.time, nxt.time))
    return out


WAIT_COLORS = ("#f28e2b", "#f7c08a")


def _ongoing_backoff(trace, pod: str, kind: str, waits: list, end: float) -> Optional[float]:
    """When the back-off still running at ``end`` began (None if kubelet is not waiting)."""
    events = _pod_events(trace, pod)
    word = "restarting" if kind == "crash" else "pulling image"
    last = [r.time for r in events if r.ref.get("reason") == "BackOff" and word in r.summary and r.time <= end]
    if last and (not waits or last[-1] > waits[-1].since):
        return last[-1]
    return None


def expected_backoff(n: int) -> float:
    """kubelet's n-th back-off (n = 1, 2, …): 10 s doubling, at most 5 minutes."""
    return min(BACKOFF_INITIAL * 2 ** (n - 1), BACKOFF_MAX)


def backoff_figure(trace_or_cluster, crash_pod: str, pull_pod: str, start: float = 0.0,
                   end: Optional[float] = None, title: Optional[str] = None) -> go.Figure:
    """Top: the two Pods on a time axis — ▲ container starts / ● pull attempts, and the
    back-off waits between them.  Bottom: each wait in seconds, against 10 s · 2ⁿ⁻¹ capped
    at 5 minutes."""
    trace = trace_of(trace_or_cluster)
    end = end if end is not None else _end_of(trace_or_cluster)
    rows = {crash_pod: ("crash", "CrashLoopBackOff", "Started", "#2e8b57", "triangle-right"),
            pull_pod: ("pull", "ImagePullBackOff", "Pulling", "#1f6fb5", "circle")}
    fig = make_subplots(rows=2, cols=1, row_heights=[0.35, 0.65], vertical_spacing=0.18,
                        subplot_titles=("what kubelet did, over time",
                                        "each back-off: seconds kubelet waited before trying again"))
    longest = 0
    for pod, (kind, label, reason, color, symbol) in rows.items():
        row_name = f"{pod} ({label})"
        waits = backoff_waits(trace, pod, kind)
        longest = max(longest, len(waits))
        shown = [(w.since, w.until, f"{w.seconds:.0f} s") for w in waits]
        ongoing = _ongoing_backoff(trace, pod, kind, waits, end)
        if ongoing is not None:
            shown.append((ongoing, end, "waiting…"))
        for i, (t0, t1, text) in enumerate(shown):
            fig.add_trace(go.Scatter(x=[t0, t1], y=[row_name] * 2, mode="lines", showlegend=False,
                                     line=dict(color=WAIT_COLORS[i % 2], width=18),
                                     hoverinfo="text", hovertext=f"back-off: {text}"),
                          row=1, col=1)
            if t1 - t0 >= 0.035 * (end - start):
                fig.add_annotation(x=(t0 + t1) / 2, y=row_name, text=text, showarrow=False,
                                   font=dict(size=10, color="#333"), row=1, col=1)
        tries = [r for r in _pod_events(trace, pod, [reason]) if start <= r.time <= end]
        fig.add_trace(go.Scatter(x=[r.time for r in tries], y=[row_name] * len(tries), mode="markers",
                                 name=f"{'container started' if kind == 'crash' else 'pull attempt'}",
                                 marker=dict(symbol=symbol, size=11, color=color, line=dict(width=1, color="white")),
                                 hovertext=[f"t={r.time:.1f} s  {r.summary[len('event '):]}" for r in tries],
                                 hoverinfo="text"), row=1, col=1)
        fig.add_trace(go.Bar(x=list(range(1, len(waits) + 1)), y=[round(w.seconds, 1) for w in waits],
                             name=f"{label} waits", marker_color=color, text=[f"{w.seconds:.0f}" for w in waits],
                             textposition="outside", textfont=dict(size=10)), row=2, col=1)
    ns = list(range(1, longest + 1))
    fig.add_trace(go.Scatter(x=ns, y=[expected_backoff(n) for n in ns], mode="lines+markers",
                             name="10 s · 2ⁿ⁻¹, at most 300 s", line=dict(color="#333", dash="dash", width=1.5),
                             marker=dict(size=5)), row=2, col=1)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="back-off wait",
                             line=dict(color=WAIT_COLORS[0], width=10)), row=1, col=1)
    style.base_layout(fig, title or "Back-off: kubelet waits longer after every failure", height=620)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.06, yanchor="bottom", x=0),
                      margin=dict(t=110, l=20))
    fig.update_xaxes(title_text="simulated time (s)", range=[start, end], row=1, col=1)
    fig.update_xaxes(title_text="back-off number n", dtick=1, row=2, col=1)
    fig.update_yaxes(type="category", row=1, col=1)
    fig.update_yaxes(title_text="seconds", range=[0, BACKOFF_MAX * 1.2], row=2, col=1)
    return fig


# ====================================================================== termination
def watch_termination(cluster: Cluster, pod: str, namespace: str = "default",
                      timeout: float = 120.0) -> dict:
    """``kubectl delete pod --wait=false`` while watching the Pod, like ``kubectl get pod -w``:
    returns when the delete was asked, when the container stopped (its exit code and reason,
    as kubelet reported them) and when the Pod object was gone (seconds after the delete)."""
    client = cluster.client()
    watch = client.watch("pods", namespace)
    seen: list = []

    def reader():
        while True:
            event, obj = yield watch.events.get()
            if event in ("CLOSED", "ERROR"):
                return
            if obj["metadata"]["name"] == pod:
                seen.append((cluster.now, event, obj))
                if event == "DELETED":
                    return

    proc = cluster.env.process(reader())
    cluster.run(0.05)
    asked = cluster.now
    cluster.kubectl(f"delete pod {pod} -n {namespace} --wait=false")
    cluster.run_until(lambda cl: not proc.is_alive, timeout=timeout, step=0.1)
    client.stop_watch(watch)
    stopped = gone = None
    for t, event, obj in seen:
        if t < asked:
            continue
        statuses = (obj.get("status") or {}).get("containerStatuses") or [{}]
        terminated = (statuses[0].get("state") or {}).get("terminated")
        if stopped is None and terminated:
            stopped = (t - asked, terminated)
        if event == "DELETED":
            gone = t - asked
    return {"pod": pod, "stopped_after": None if stopped is None else stopped[0],
            "exit_code": None if stopped is None else stopped[1].get("exitCode"),
            "reason": None if stopped is None else stopped[1].get("reason"), "gone_after": gone}


# ====================================================================== node failure
@dataclass
class NodeFailure:
    """A dead node's story, measured from the trace (times in simulated seconds)."""

    node: str
    crashed: float
    last_renewal: Optional[float]   # when the kubelet last renewed its Lease
    renew_time: Optional[float]     # … and the renewTime it wrote (whole seconds, as kubesim stores time)
    not_ready: Optional[float]
    tainted: Optional[float]
    evicted: list            # [(time, pod)]
    replaced: Optional[float]  # all replicas Running and Ready again, none on the dead node
    stuck: list              # Pods still Terminating on the dead node at the end


def _lease_renewals(trace, node: str) -> list[float]:
    return [r.time for r in trace if r.kind == "object" and r.ref.get("object_kind") == "Lease"
            and r.ref.get("name") == node and r.ref.get("namespace") == "kube-node-lease"]


def node_failure_numbers(trace_or_cluster, node: str, deployment: Optional[str] = "web-app",
                         namespace: str = "default") -> NodeFailure:
    """When ``node`` crashed, last renewed its Lease, went NotReady, was tainted, had its Pods
    evicted, and when the Deployment had all its replicas Ready elsewhere again."""
    trace = trace_of(trace_or_cluster)
    crash = next((r.time for r in trace if r.kind == "fault" and r.summary == f"crash {node}"), None)
    if crash is None:
        raise ValueError(f"the trace has no crash of {node}")
    renewals = [t for t in _lease_renewals(trace, node) if t <= crash]
    not_ready = tainted = None
    for r in trace:
        if r.time < crash or r.kind != "object" or r.ref.get("object_kind") != "Node" or r.ref.get("name") != node:
            continue
        state = r.ref.get("state") or {}
        if not_ready is None and state.get("ready") != "True":
            not_ready = r.time
        if tainted is None and f"{UNREACHABLE}:NoExecute" in (state.get("taints") or []):
            tainted = r.time
    evicted = [(r.time, r.summary.rsplit("/", 1)[-1]) for r in trace
               if r.kind == "event" and r.ref.get("reason") == "TaintManagerEviction" and r.time >= crash]
    replaced = None
    pods: dict[str, dict] = {}
    desired = None
    stuck_names = set()
    for r in trace:
        if r.kind != "object" or r.ref.get("namespace") != namespace:
            continue
        kind, state = r.ref.get("object_kind"), r.ref.get("state") or {}
        if kind == "Deployment" and r.ref.get("name") == deployment:
            desired = state.get("replicas")
        if kind != "Pod":
            continue
        if r.ref.get("verb") == "DELETED":
            pods.pop(r.ref["name"], None)
        else:
            pods[r.ref["name"]] = state
        if r.time > crash and replaced is None and evicted and r.time >= evicted[0][0] and desired:
            good = [p for p in pods.values() if p.get("ready") and not p.get("terminating")
                    and p.get("node") != node]
            if len(good) >= desired:
                replaced = r.time
    stuck_names = sorted(n for n, p in pods.items() if p.get("node") == node and p.get("terminating"))
    last = renewals[-1] if renewals else None
    return NodeFailure(node, crash, last, None if last is None else float(math.floor(last)), not_ready,
                       tainted, evicted, replaced, stuck_names)


def node_failure_report(f: NodeFailure) -> str:
    """The story of :func:`node_failure_numbers` as text lines."""
    def at(t):
        return "—" if t is None else f"t = {t:6.1f} s"
    lines = [f"{'crash of ' + f.node:<34}{at(f.crashed)}"]
    if f.last_renewal is not None:
        lines.append(f"{'its last Lease renewal':<34}{at(f.last_renewal)}  "
                     f"({f.crashed - f.last_renewal:.1f} s before the crash; renewTime {clock.timestamp(f.renew_time)[11:19]})")
    if f.not_ready is not None:
        lines.append(f"{'node Ready → Unknown (NotReady)':<34}{at(f.not_ready)}  "
                     f"({f.not_ready - f.renew_time:.1f} s after that renewTime)")
    if f.tainted is not None:
        lines.append(f"{'taint unreachable:NoExecute':<34}{at(f.tainted)}")
    for t, pod in f.evicted:
        lines.append(f"{'evicted ' + pod:<34}{at(t)}  ({t - f.tainted:.1f} s after the taint)")
    if f.replaced is not None:
        lines.append(f"{'all replicas Ready elsewhere':<34}{at(f.replaced)}  "
                     f"({f.replaced - f.crashed:.1f} s after the crash)")
    for pod in f.stuck:
        lines.append(f"still Terminating on {f.node}: {pod}")
    return "\n".join(lines)


def node_failure_figure(trace_or_cluster, node: str, deployment: str = "web-app",
                        namespace: str = "default", start: Optional[float] = None,
                        end: Optional[float] = None, title: Optional[str] = None) -> go.Figure:
    """A dead node on a time axis: its Lease renewals, its Ready condition, the taint, and
    every Pod of ``deployment`` (Running and Ready / not Ready / Terminating)."""
    trace = trace_of(trace_or_cluster)
    f = node_failure_numbers(trace, node, deployment, namespace)
    end = end if end is not None else _end_of(trace_or_cluster)
    start = start if start is not None else max(0.0, f.crashed - 30)
    fig = go.Figure()
    lease_row, ready_row = f"{node}: Lease renewals", f"{node}: Ready condition"
    renewals = [t for t in _lease_renewals(trace, node) if start <= t <= end]
    fig.add_trace(go.Scatter(x=renewals, y=[lease_row] * len(renewals), mode="markers", showlegend=False,
                             marker=dict(symbol="line-ns", size=16, line=dict(width=3, color="#2e8b57")),
                             hovertext=[f"Lease renewed at t={t:.1f} s" for t in renewals], hoverinfo="text"))
    # the node's Ready condition
    segments, since, value = [], start, "True"
    for r in trace:
        if r.kind == "object" and r.ref.get("object_kind") == "Node" and r.ref.get("name") == node:
            v = (r.ref.get("state") or {}).get("ready") or "Unknown"
            if r.time <= start:
                value = v
            elif v != value and r.time <= end:
                segments.append((since, r.time, value))
                since, value = r.time, v
    segments.append((since, end, value))
    for t0, t1, v in segments:
        color = "#2e8b57" if v == "True" else "#9e9e9e"
        fig.add_trace(go.Scatter(x=[t0, t1], y=[ready_row] * 2, mode="lines", showlegend=False,
                                 line=dict(color=color, width=16), hoverinfo="text",
                                 hovertext=f"Ready={v}: {t0:.1f} s → {t1:.1f} s"))
        fig.add_annotation(x=(t0 + t1) / 2, y=ready_row, showarrow=False, text=f"Ready={v}",
                           font=dict(size=10, color="white"))
    # the Pods
    labels: list[str] = []
    for name, segs in _pod_segments(trace, deployment, namespace, start, end).items():
        where = segs[0][3] or "?"
        label = f"{name} · {where}"
        labels.append(label)
        for t0, t1, what, _ in segs:
            color = {"Running, Ready": "#2e8b57", "Running, not Ready": "#8fbc8f",
                     "Pending": "#f2c14e", "Terminating": "#f28e2b"}.get(what, "#bdbdbd")
            fig.add_trace(go.Scatter(x=[t0, t1], y=[label] * 2, mode="lines", showlegend=False,
                                     line=dict(color=color, width=14), hoverinfo="text",
                                     hovertext=f"{name}: {what}, {t0:.1f} s → {t1:.1f} s"))
    for what, color in (("Running, Ready", "#2e8b57"), ("Running, not Ready", "#8fbc8f"),
                        ("Pending", "#f2c14e"), ("Terminating", "#f28e2b")):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"Pod {what}",
                                 line=dict(color=color, width=10)))
    span_row = "durations"
    rows = labels[::-1] + [ready_row, lease_row, span_row]
    # the story's milestones
    marks = [(f.crashed, f"crash {node}", style.CRASHED_LINE)]
    if f.not_ready is not None:
        marks.append((f.not_ready, "NotReady + unreachable taint", "#555"))
    if f.evicted:
        marks.append((f.evicted[0][0], "eviction", "#f28e2b"))
    for i, (t, text, color) in enumerate(marks):
        fig.add_vline(x=t, line=dict(color=color, dash="dash", width=1.5))
        fig.add_annotation(x=t, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                           text=text, font=dict(size=10, color=color), yshift=2 + 13 * (i % 2))
    spans = []
    if f.last_renewal is not None and f.not_ready is not None:
        spans.append((f.last_renewal, f.not_ready,
                      f"{f.not_ready - f.renew_time:.0f} s without a heartbeat (grace period {NODE_MONITOR_GRACE_PERIOD:.0f} s)"))
    if f.tainted is not None and f.evicted:
        spans.append((f.tainted, f.evicted[0][0], f"{f.evicted[0][0] - f.tainted:.0f} s tolerationSeconds"))
    for t0, t1, text in spans:
        fig.add_annotation(x=t1, y=span_row, ax=t0, ay=span_row, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowside="end+start", arrowwidth=1.3,
                           arrowcolor="#555", yshift=-6, text="")
        fig.add_annotation(x=(t0 + t1) / 2, y=span_row, showarrow=False, yshift=8, text=text,
                           font=dict(size=10, color="#333"), bgcolor="rgba(255,255,255,0.85)")
    fig.add_trace(go.Scatter(x=[start], y=[span_row], mode="markers", marker=dict(opacity=0),
                             hoverinfo="skip", showlegend=False))
    style.base_layout(fig, title or f"Node {node} dies: heartbeats stop, NotReady after the grace period, "
                      "eviction after tolerationSeconds", height=200 + 42 * len(rows))
    fig.update_layout(legend=dict(orientation="h", y=-0.12 - 30 / (200 + 42 * len(rows)), yanchor="top", x=0),
                      margin=dict(t=90, b=110))
    fig.update_xaxes(title="simulated time (s)", range=[start, end])
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows,
                     range=[-0.6, len(rows) - 0.2], tickfont=dict(size=10),
                     tickvals=rows, ticktext=[("" if r == span_row else r) for r in rows])
    return fig


def _pod_segments(trace, deployment: str, namespace: str, start: float, end: float) -> dict:
    """Pod name -> ``[(t0, t1, what, node), …]`` for the Pods of ``deployment``."""
    rs_of_dep: set = set()
    out: dict[str, list] = {}
    current: dict[str, tuple] = {}
    for r in trace:
        if r.kind != "object" or r.ref.get("namespace") != namespace or r.time > end:
            continue
        kind, name, state = r.ref.get("object_kind"), r.ref.get("name"), r.ref.get("state") or {}
        if kind == "ReplicaSet" and state.get("owner") == deployment:
            rs_of_dep.add(name)
        if kind != "Pod" or state.get("owner") not in rs_of_dep:
            continue
        if r.ref.get("verb") == "DELETED":
            what = None
        elif state.get("terminating"):
            what = "Terminating"
        elif state.get("phase") == "Running":
            what = "Running, Ready" if state.get("ready") else "Running, not Ready"
        else:
            what = "Pending"
        old = current.get(name)
        if old is not None and old[0] != what:
            out.setdefault(name, []).append((max(old[1], start), r.time, old[0], old[2]))
        if what is None:
            current.pop(name, None)
        elif old is None or old[0] != what:
            current[name] = (what, r.time, state.get("node"))
        elif state.get("node") and not old[2]:
            current[name] = (old[0], old[1], state.get("node"))
    for name, (what, t0, node) in current.items():
        out.setdefault(name, []).append((max(t0, start), end, what, node))
    result = {}
    for name, segs in out.items():
        segs = [s for s in segs if s[1] > start]
        if segs:
            node = next((s[3] for s in reversed(segs) if s[3]), None)
            result[name] = [(t0, t1, what, node) for t0, t1, what, _ in segs]
    return dict(sorted(result.items(), key=lambda kv: (kv[1][0][0], kv[0])))


# ====================================================================== exercise (a): diagnose
BROKEN_SHOP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 2
  selector:
    matchLabels:
      app: orders
  template:
    metadata:
      labels:
        app: orders
    spec:
      containers:
      - name: orders
        image: nginx:1.25
        command: ["sh", "-c", "nginx -t -c /etc/nginx/orders.conf || exit 3"]
        ports:
        - containerPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
      - name: frontend
        image: nginx:1.72
        ports:
        - containerPort: 80
"""
CRASH_EXIT_CODE = 3
BAD_IMAGE = "nginx:1.72"


def broken_shop(seconds: float = 120.0, seed_value: int = 0) -> Cluster:
    """A fresh cluster where :data:`BROKEN_SHOP` was applied and ran ``seconds``."""
    c = Cluster(seed=seed_value)
    c.apply(BROKEN_SHOP)
    c.run(seconds)
    return c


def check_exit_code(exit_code):
    """Exercise (a), part 1: the exit code of the crash-looping ``orders`` container."""
    with checking("the exit code of the orders container") as c:
        if isinstance(exit_code, bool) or not isinstance(exit_code, int):
            return c.check(False, "", "give the exit code as a number, e.g. `exit_code = 137`")
        c.check(exit_code == CRASH_EXIT_CODE,
                f"exit code {exit_code}: the program itself exited with {exit_code} (an error it "
                "reported), kubelet restarted it, and now waits longer and longer — CrashLoopBackOff",
                "not that one. In `kubectl describe pod` of an orders Pod, look under the container "
                "for `Last State: Terminated` — its `Exit Code` line is what the program returned "
                "the last time it ended")
    return c


def check_bad_image(image):
    """Exercise (a), part 2: the image reference the ``frontend`` Pods cannot pull."""
    with checking("the image the frontend Pods cannot pull") as c:
        if not isinstance(image, str) or not image.strip():
            return c.check(False, "", "give the image as text, e.g. `bad_image = \"busybox:1.0\"`")
        given = normalize_image(image.strip())
        if given == normalize_image(BAD_IMAGE):
            return c.check(True, f"{image.strip()}: the registry has no such tag "
                                 "(containerd: \"not found\"), so kubelet retries with a back-off — "
                                 "ImagePullBackOff")
        hint = ("not that one. The `Failed` Events of a frontend Pod (`kubectl describe pod`) quote the "
                "exact reference kubelet asked containerd to pull")
        if given.rsplit(":", 1)[0] == normalize_image(BAD_IMAGE).rsplit(":", 1)[0]:
            hint = "right repository — which tag exactly? The `Failed to pull image` Event quotes it"
        return c.check(False, "", hint)


def _deployment_pods(cluster: Cluster, name: str, namespace: str = "default") -> list[dict]:
    dep = cluster.get("Deployment", name, namespace)
    if dep is None:
        return []
    selector = ",".join(f"{k}={v}" for k, v in sorted((dep["spec"]["selector"].get("matchLabels") or {}).items()))
    return [p for p in cluster.list("Pod", namespace, selector=selector or None)
            if not p["metadata"].get("deletionTimestamp")]


def _restarts(pod: dict) -> int:
    return sum(cs.get("restartCount", 0) for cs in (pod.get("status") or {}).get("containerStatuses") or [])


def _waiting(pod: dict) -> str:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
        if reason:
            return reason
    return (pod.get("status") or {}).get("phase") or "Pending"


def check_fixed_shop(manifest: str):
    """Exercise (a), part 3: a fixed manifest whose ``orders`` and ``frontend`` Pods run."""
    with checking("your fixed shop manifest") as c:
        cluster = apply_to_fresh_cluster(c, manifest, "`fixed` should be the YAML text of both Deployments, fixed")
        if cluster is None:
            return c
        missing = [n for n in ("orders", "frontend") if cluster.get("Deployment", n) is None]
        if missing:
            return c.check(False, "", f"keep both Deployments, with their names: {', '.join(missing)} "
                                      "is missing (fix the manifest, do not remove the app)")
        cluster.run(90)
        ok = True
        for name in ("orders", "frontend"):
            dep = cluster.get("Deployment", name)
            want = dep["spec"].get("replicas", 1)
            pods = _deployment_pods(cluster, name)
            ready = [p for p in pods if p.get("status", {}).get("phase") == "Running"
                     and all(cs.get("ready") for cs in p["status"].get("containerStatuses") or [])]
            restarts = sum(_restarts(p) for p in pods)
            if len(ready) >= want and restarts == 0 and want > 0:
                c.check(True, f"{name}: {len(ready)}/{want} Pods Running and Ready after 90 s, no restarts")
                continue
            ok = False
            if name == "orders":
                hint = ("orders: the containers still end and get restarted "
                        f"({restarts} restarts, status {_waiting(pods[0]) if pods else 'no Pods'}). "
                        "A container runs as long as its program runs: the `command` replaces the "
                        "image's own program (nginx) with a shell line that ends — even `exit 0` would "
                        "be restarted (restartPolicy: Always)")
            else:
                hint = (f"frontend: the Pods are not running ({_waiting(pods[0]) if pods else 'no Pods'}). "
                        "Use a tag the registry has — nginx has 1.25, 1.26 and 1.27, for example")
            if want <= 0:
                hint = f"{name}: keep its replicas (scaling to 0 hides the problem, it does not fix it)"
            c.check(False, "", hint)
        if not ok:
            return c
    return c


# ====================================================================== exercise (b): failover
CHECKOUT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 3
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
      - name: checkout
        image: nginx:1.25
        ports:
        - containerPort: 80
"""
FAILOVER_LIMIT = 120.0          # seconds after the crash
FAILOVER_TIMEOUT = NODE_MONITOR_GRACE_PERIOD + DEFAULT_TOLERATION + 60


def _learner_tolerations(pod: dict) -> list[dict]:
    """The tolerations the Pod carries, minus those the API server added (300 s defaults)."""
    return [t for t in pod["spec"].get("tolerations") or []
            if not (t.get("tolerationSeconds") == DEFAULT_TOLERATION and t.get("operator") == "Exists"
                    and t.get("key") in (UNREACHABLE, NOT_READY) and t.get("effect") == "NoExecute")]


def _failover_hint(tolerations: list[dict]) -> str:
    """What is wrong with the learner's tolerations, for a node that crashed."""
    unreachable = [t for t in tolerations if t.get("key") == UNREACHABLE
                   or (not t.get("key") and t.get("operator") == "Exists")]
    if not tolerations:
        return ("the Pods carry only the API server's defaults (300 s for `node.kubernetes.io/unreachable` "
                "and `node.kubernetes.io/not-ready`). Add your own toleration to the Pod template "
                "(`spec.template.spec.tolerations`)")
    if not unreachable:
        keys = ", ".join(sorted({str(t.get("key")) for t in tolerations}))
        return (f"your toleration is for {keys}, but a node that crashed is tainted "
                "`node.kubernetes.io/unreachable:NoExecute` — its kubelet stopped reporting, so nobody "
                "knows whether it is ready or not (`not-ready` is for a kubelet that reports a problem). "
                "The API server's 300 s default for `unreachable` still applies")
    t = unreachable[0]
    if t.get("effect") not in ("NoExecute", None, ""):
        return (f"your toleration has effect {t.get('effect')}: only a NoExecute taint evicts, and only a "
                "NoExecute toleration has a `tolerationSeconds` — use `effect: NoExecute`")
    if t.get("tolerationSeconds") is None:
        return ("your toleration has no `tolerationSeconds`, so it tolerates the taint *forever*: the Pods "
                "are never evicted. Give it a number of seconds")
    if t.get("operator", "Equal") == "Equal" and t.get("value"):
        return "the unreachable taint has no value: use `operator: Exists` (or no value)"
    return (f"tolerationSeconds {t.get('tolerationSeconds')} is too long: the node itself is only noticed "
            f"{NODE_MONITOR_GRACE_PERIOD:.0f} s after its last heartbeat, and the replacement needs a few "
            "seconds to start")


def check_fast_failover(manifest: str):
    """Exercise (b): the ``checkout`` Pods leave a crashed node within 2 minutes.

    The check applies the manifest, crashes the node of one of the Pods and measures, from
    the trace, when all replicas are Running and Ready on healthy nodes again."""
    with checking("your checkout Deployment") as c:
        if learner_deployment(c, manifest, "checkout", "checkout") is None:
            return c
        cluster = Cluster(seed=0)
        try:
            cluster.apply(manifest)
        except KubesimError as err:
            return c.check(False, "", f"kubectl apply refused it:\n{err}")
        want = cluster.get("Deployment", "checkout")["spec"].get("replicas", 1)
        if want < 2:
            return c.check(False, "", "keep at least 2 replicas: one Pod alone cannot fail over without a gap")
        if not cluster.run_until(lambda cl: sum(1 for p in _deployment_pods(cl, "checkout")
                                                if p.get("status", {}).get("phase") == "Running") == want,
                                 timeout=60):
            return c.check(False, "", "the checkout Pods did not start: "
                                      + cluster.kubectl("get pods -l app=checkout"))
        pods = _deployment_pods(cluster, "checkout")
        c.check(True, f"{want} checkout Pods Running")
        cluster.run(3.0)
        victim = sorted(pods, key=lambda p: p["metadata"]["name"])[0]["spec"]["nodeName"]
        mine = _learner_tolerations(pods[0])
        cluster.crash(victim)
        crashed = cluster.now

        def failed_over(cl) -> bool:
            good = [p for p in _deployment_pods(cl, "checkout")
                    if p["spec"].get("nodeName") != victim and p.get("status", {}).get("phase") == "Running"
                    and all(cs.get("ready") for cs in p["status"].get("containerStatuses") or [])]
            return len(good) >= want

        done = cluster.run_until(failed_over, timeout=FAILOVER_TIMEOUT, step=1.0)
        took = cluster.now - crashed
        if not done:
            return c.check(False, "", f"{FAILOVER_TIMEOUT:.0f} s after {victim} crashed, its Pods were still "
                                      f"not replaced: {_failover_hint(mine)}")
        if took > FAILOVER_LIMIT:
            return c.check(False, "", f"the replacements were Running {took:.0f} s after {victim} crashed "
                                      f"(the defaults give about {NODE_MONITOR_GRACE_PERIOD + DEFAULT_TOLERATION:.0f} s; "
                                      f"the goal is under {FAILOVER_LIMIT:.0f} s): {_failover_hint(mine)}")
        c.check(True, f"{victim} crashed; all {want} replicas were Running and Ready on other nodes "
                      f"{took:.0f} s later (with the defaults: about "
                      f"{NODE_MONITOR_GRACE_PERIOD + DEFAULT_TOLERATION:.0f} s)")
    return c
