"""Lesson 10 — high availability across availability zones, read back from the trace.

The seed article's enterprise design: a control plane in each of three zones behind one load
balancer, etcd's quorum spread across the zones, so that losing a whole zone leaves the
cluster working.  This module measures that claim.

* :func:`quorum`, :func:`zone_losses` and :func:`layout_table` — etcd quorum arithmetic per
  zone (pure);
* :func:`etcd_members_by_zone` and :func:`pods_by_zone` — where things run in a cluster;
* :func:`leaders` — who holds the kube-scheduler and kube-controller-manager Leases;
* :func:`zone_failure_milestones` / :func:`milestones_table` / :func:`zone_failure_figure` —
  what happened after ``Cluster.fail_zone``, and when, on one time axis.

Exercise checks: :func:`check_etcd_layout` (place five members so any one zone may fail) and
:func:`check_zone_spread` (spread a Deployment so a zone failure leaves most replicas serving).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..checks import checking
from ..cluster import Cluster
from ..errors import KubesimError
from ..etcd import EtcdCluster
from .. import seed
from ..viz import style
from ..viz.tracedata import trace_of
from .common import learner_deployment

ZONE_LABEL = "topology.kubernetes.io/zone"


# ====================================================================== quorum arithmetic (pure)
def quorum(members: int) -> int:
    """Raft's majority: the members that must agree before etcd commits a write."""
    return members // 2 + 1


def zone_losses(members_per_zone: dict[str, int]) -> dict[str, bool]:
    """For each zone: does etcd keep a quorum when that whole zone is lost?"""
    total = sum(members_per_zone.values())
    return {zone: total - n >= quorum(total) for zone, n in members_per_zone.items()}


def layout_table(members_per_zone: dict[str, int]) -> str:
    """A text table: each zone's members, and what is left if that zone fails."""
    total = sum(members_per_zone.values())
    need = quorum(total)
    rows = [("ZONE LOST", "MEMBERS IN IT", "LEFT", f"QUORUM ({need} of {total})")]
    for zone, ok in zone_losses(members_per_zone).items():
        left = total - members_per_zone[zone]
        rows.append((zone, str(members_per_zone[zone]), str(left),
                     "kept: writes go on" if ok else "LOST: no writes"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ====================================================================== where things run
def etcd_members_by_zone(cluster: Cluster) -> dict[str, list[str]]:
    """etcd members grouped by the zone of their host."""
    out: dict[str, list[str]] = {zone: [] for zone in cluster.zones}
    for member in cluster.etcd:
        out[cluster.host_zone[member.host]].append(member.name)
    return out


def pods_by_zone(cluster: Cluster, label_selector: str = "app=web",
                 namespace: str = "default") -> dict[str, list[str]]:
    """Live Pods matching ``label_selector`` grouped by their node's zone."""
    out: dict[str, list[str]] = {zone: [] for zone in cluster.zones}
    for pod in cluster.list("Pod", namespace, selector=label_selector):
        node = pod["spec"].get("nodeName")
        if node and not pod["metadata"].get("deletionTimestamp"):
            out.setdefault(cluster.host_zone.get(node, "?"), []).append(pod["metadata"]["name"])
    return {zone: sorted(names) for zone, names in out.items()}


def leaders(cluster: Cluster) -> dict[str, str]:
    """Lease name -> the component that holds it (from the Lease's holderIdentity)."""
    out = {}
    for name in ("kube-scheduler", "kube-controller-manager"):
        lease = cluster.get("Lease", name, namespace="kube-system")
        if lease is None:
            continue
        host = (lease["spec"].get("holderIdentity") or "").split("_", 1)[0]
        holder = next((c.name for c in cluster.components.values()
                       if c.host == host and c.name.startswith(name)), host)
        out[name] = holder
    return out


# ====================================================================== a zone failure, measured
@dataclass
class Milestone:
    """Something the cluster did after a zone failed (``time`` in seconds after it)."""

    time: float
    who: str
    what: str


def _host_zones(trace) -> dict[str, str]:
    start = next((r for r in trace if r.kind == "fault" and r.summary == "cluster started"), None)
    return dict((start.ref.get("host_zones") or {}) if start else {})


def _zone_failure(trace, zone: Optional[str]):
    return next((r for r in trace if r.kind == "fault" and r.summary.startswith("fail zone ")
                 and (zone is None or r.ref.get("zone") == zone)), None)


def zone_failure_milestones(trace_or_cluster, zone: Optional[str] = None,
                            app_label: str = "web-app") -> list[Milestone]:
    """What happened after ``fail_zone(zone)``, from the trace, in order.

    etcd electing a new leader, the load balancer dropping the dead API server, new leaders
    for kube-scheduler and kube-controller-manager, the zone's nodes turning NotReady, Pods
    evicted, and Pods of ``app_label`` (a Deployment name) replaced in surviving zones."""
    trace = trace_of(trace_or_cluster)
    failure = _zone_failure(trace, zone)
    if failure is None:
        return []
    t0, dead_hosts = failure.time, set(failure.ref.get("hosts") or [])
    out: list[Milestone] = []
    seen: set = set()

    def once(key, time, who, what):
        if key not in seen:
            seen.add(key)
            out.append(Milestone(time - t0, who, what))

    for r in trace:
        if r.time < t0:
            continue
        raft = r.ref.get("raft") if r.kind == "component" else None
        if raft and r.summary.startswith("raft: leader"):
            once("etcd", r.time, r.source, f"{r.source} elected etcd leader (term {raft.get('term')})")
        elif r.kind == "component" and r.ref.get("healthy") is False:
            once(("lb", r.target), r.time, "apiserver-lb", f"{r.target} taken out of rotation")
        elif r.kind == "component" and r.ref.get("leader_election") == "leading":
            role = r.source.rsplit("-", 1)[0]
            once(("lead", role), r.time, r.source, f"{r.source} acquired the {role} Lease")
        elif r.kind == "object" and r.ref.get("object_kind") == "Node" \
                and r.ref.get("name") in dead_hosts and r.ref.get("state", {}).get("ready") == "Unknown":
            once(("node", r.ref["name"]), r.time, "node-lifecycle", f"{r.ref['name']} NotReady (Unknown)")
        elif r.kind == "component" and r.summary.startswith("evicting pod "):
            once("evict", r.time, "node-lifecycle", "first Pods evicted from the zone's nodes")
    done = _replaced_at(trace, t0, dead_hosts, app_label)
    if done is not None:
        out.append(Milestone(done - t0, "kube-scheduler", f"every {app_label} replica Ready "
                                                          "again outside the failed zone"))
    return sorted(out, key=lambda m: m.time)


def _replaced_at(trace, t0: float, dead_hosts: set, app: str) -> Optional[float]:
    """When, after t0, the Deployment's Ready Pods (not terminating, not on dead hosts) were as
    many as before the failure."""
    pods: dict[str, dict] = {}
    before = None
    for r in trace:
        if r.kind != "object" or r.ref.get("object_kind") != "Pod" \
                or not str(r.ref.get("name", "")).startswith(app + "-"):
            continue
        if before is None and r.time >= t0:
            before = _serving(pods, set())
        if r.ref.get("verb") == "DELETED":
            pods.pop(r.ref["name"], None)
        else:
            pods[r.ref["name"]] = r.ref.get("state", {})
        if before is not None and r.time > t0 and before and _serving(pods, dead_hosts) >= before:
            return r.time
    return None


def _serving(pods: dict, dead_hosts: set) -> int:
    return sum(1 for s in pods.values() if s.get("ready") and not s.get("terminating")
               and s.get("node") not in dead_hosts)


def milestones_table(milestones: list[Milestone]) -> str:
    """A text table of :func:`zone_failure_milestones`."""
    rows = [("AFTER", "WHO", "WHAT")] + [(_fmt(m.time), m.who, m.what) for m in milestones]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    return "\n".join(f"{a.rjust(widths[0])}   {b.ljust(widths[1])}   {c}".rstrip() for a, b, c in rows)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def serving_by_zone(trace_or_cluster, app: str = "web-app", step: float = 2.0,
                    end: Optional[float] = None) -> tuple[list[float], dict[str, list[int]], list[int]]:
    """Pods of Deployment ``app`` sampled every ``step`` seconds (one pass over the trace):
    ``(times, serving per zone, Ready according to the API)``.  *Serving* means Ready and on a
    node that is up; a Pod on a crashed node stays Ready in the API until the node lifecycle
    controller notices — that gap is the second series."""
    trace = trace_of(trace_or_cluster)
    zones = _host_zones(trace)
    end = end if end is not None else (getattr(trace_or_cluster, "now", None) or trace[-1].time)
    times = [i * step for i in range(int(end / step) + 1)]
    series: dict[str, list[int]] = {z: [] for z in sorted(set(zones.values()))}
    in_api: list[int] = []
    pods: dict[str, dict] = {}
    down: set = set()
    records = [r for r in trace if r.kind == "fault" or (
        r.kind == "object" and r.ref.get("object_kind") == "Pod"
        and str(r.ref.get("name", "")).startswith(app + "-"))]
    i = 0
    for t in times:
        while i < len(records) and records[i].time <= t:
            r = records[i]
            if r.kind == "fault":
                if r.summary.startswith("crash "):
                    down.add(r.target)
                elif r.summary.startswith("restart "):
                    down.discard(r.target)
            elif r.ref.get("verb") == "DELETED":
                pods.pop(r.ref["name"], None)
            else:
                pods[r.ref["name"]] = r.ref.get("state", {})
            i += 1
        counts = {z: 0 for z in series}
        ready = [s for s in pods.values() if s.get("ready") and not s.get("terminating")]
        for s in ready:
            if s.get("node") in zones and s["node"] not in down:
                counts[zones[s["node"]]] += 1
        for z in series:
            series[z].append(counts[z])
        in_api.append(len(ready))
    return times, series, in_api


def zone_failure_figure(trace_or_cluster, zone: Optional[str] = None, app: str = "web-app",
                        end: Optional[float] = None) -> go.Figure:
    """Top: the app's serving Pods per zone (stacked) over time, and the Ready count the API
    shows (dotted); bottom: the milestones of :func:`zone_failure_milestones` on the same time
    axis, one row per actor."""
    trace = trace_of(trace_or_cluster)
    failure = _zone_failure(trace, zone)
    times, series, in_api = serving_by_zone(trace_or_cluster, app, end=end)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.55, 0.45],
                        vertical_spacing=0.06)
    palette = ["#1f6fb5", "#2e8b57", "#e07b00", "#7b4fa0", "#5f7f9f"]
    for i, (z, counts) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=times, y=counts, name=f"serving in {z}", stackgroup="pods",
                                 mode="lines", line=dict(width=0.5, color=palette[i % len(palette)])),
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=times, y=in_api, name="Ready according to the API", mode="lines",
                             line=dict(color="#333333", dash="dot", width=2, shape="hv")),
                  row=1, col=1)
    if failure is not None:
        t0 = failure.time
        fig.add_vline(x=t0, line=dict(color=style.CRASHED_LINE, dash="dash"))
        fig.add_annotation(x=t0, y=1, yref="paper", text=f"{failure.ref.get('zone')} fails",
                           showarrow=False, xanchor="left", yanchor="bottom",
                           font=dict(color=style.CRASHED_LINE))
        milestones = zone_failure_milestones(trace, failure.ref.get("zone"), app)
        rows = ["etcd", "apiserver-lb", "kube-scheduler", "kube-controller-manager",
                "node-lifecycle"]
        for m in milestones:
            row = next((x for x in rows if m.who.startswith(x)), "kube-scheduler")
            if m.who.startswith("kube-scheduler") and "Ready again" in m.what:
                row = "app Pods"
            fig.add_trace(go.Scatter(
                x=[t0 + m.time], y=[row], mode="markers", showlegend=False,
                marker=dict(size=11, symbol="diamond", color=style.color_of(m.who.split()[0])),
                hovertemplate=f"+{_fmt(m.time)}: {m.what}<extra></extra>"), row=2, col=1)
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows + ["app Pods"])),
                         type="category", row=2, col=1)
    fig.update_yaxes(title="Pods", row=1, col=1, rangemode="tozero", dtick=1)
    fig.update_xaxes(title="simulated seconds", row=2, col=1)
    style.base_layout(fig, f"A zone fails: who takes over, and when ({app})", height=560)
    return fig


# ====================================================================== exercise (a): etcd layout
ZONES = ("zone-a", "zone-b", "zone-c")


def check_etcd_layout(layout):
    """Exercise (a): five etcd members over three zones so that any one zone may fail.

    Checks the arithmetic, then runs a 5-member :class:`~kubesim.etcd.EtcdCluster`, crashes
    each zone's members in turn and writes a key."""
    with checking("your etcd layout") as c:
        if not isinstance(layout, dict) or not all(isinstance(v, int) for v in layout.values()):
            return c.check(False, "", "`layout` should be a dict like {\"zone-a\": 2, ...} of member counts")
        unknown = sorted(set(layout) - set(ZONES))
        if unknown:
            return c.check(False, "", f"unknown zone(s) {unknown}: use {', '.join(ZONES)}")
        if sum(layout.values()) != 5 or any(v < 0 for v in layout.values()):
            return c.check(False, "", f"place exactly 5 members (you placed {sum(layout.values())})")
        counts = {z: layout.get(z, 0) for z in ZONES}
        c.check(True, "5 members over " + ", ".join(f"{z}: {n}" for z, n in counts.items()))
        lost = [z for z, ok in zone_losses(counts).items() if not ok]
        if lost:
            z = lost[0]
            return c.check(False, "", f"if {z} fails, {5 - counts[z]} of 5 members are left — fewer "
                                      f"than the quorum of {quorum(5)}: etcd stops accepting writes. "
                                      f"No zone may hold more than {5 - quorum(5)} members")
        for z in ZONES:
            names = _members_in(counts, z)
            etcd = EtcdCluster(members=5, seed=0)
            etcd.run(2)
            for name in names:
                etcd.crash(name)
            crashed = etcd.now
            leader = etcd.wait_for_leader(timeout=10)
            try:
                if leader is None:
                    raise KubesimError("no leader was elected")
                etcd.call(etcd.put("/ha/test", z))
            except KubesimError as err:
                return c.check(False, "", f"with {z}'s members {names} down, a write failed: {err}")
            c.check(True, f"{z} down ({len(names)} member{'s' if len(names) != 1 else ''}): "
                          f"{leader} leads and a write committed "
                          f"{1000 * (etcd.now - crashed):.0f} ms after the crash")
    return c


def _members_in(counts: dict[str, int], zone: str) -> list[str]:
    """Members etcd-1… assigned zone by zone, in zone order."""
    names, i = {}, 1
    for z in ZONES:
        names[z] = [f"etcd-{i + k}" for k in range(counts[z])]
        i += counts[z]
    return names[zone]


# ====================================================================== exercise (b): zone spread
SPREAD_REPLICAS = 6
SPREAD_MIN_SERVING = 4
SPREAD_STARTER = seed.DEPLOYMENT.replace("replicas: 3", f"replicas: {SPREAD_REPLICAS}").replace(
    "        - containerPort: 80\n",
    "        - containerPort: 80\n        resources:\n          requests:\n            cpu: 250m\n"
    "            memory: 256Mi\n")


def _spread_hint(template_spec: dict) -> Optional[str]:
    """What is wrong with the Pod template's zone spreading, or None when it is a rule."""
    constraints = template_spec.get("topologySpreadConstraints") or []
    zonal = [t for t in constraints if t.get("topologyKey") == ZONE_LABEL]
    if not constraints:
        return ("there is no `topologySpreadConstraints` in the Pod template: the scheduler's "
                "built-in spreading is only a *preference* (ScheduleAnyway), and a busy zone "
                "can still get most replicas")
    if not zonal:
        keys = ", ".join(sorted({str(t.get("topologyKey")) for t in constraints}))
        return (f"your constraint spreads over `{keys}`; zones are the label "
                f"`{ZONE_LABEL}` — spreading over nodes can still put many replicas in one zone")
    t = zonal[0]
    if t.get("whenUnsatisfiable", "DoNotSchedule") != "DoNotSchedule":
        return ("`whenUnsatisfiable: ScheduleAnyway` makes the spread a preference the scheduler "
                "may ignore; use `DoNotSchedule` so that it is a rule")
    if (t.get("maxSkew") or 0) > 1:
        return (f"maxSkew {t.get('maxSkew')} lets one zone hold {t.get('maxSkew')} more replicas than "
                "another; with 6 replicas over 3 zones use maxSkew 1 (2 per zone)")
    selector = (t.get("labelSelector") or {}).get("matchLabels") or {}
    if selector != {"app": "web"} and not t.get("labelSelector", {}).get("matchExpressions"):
        return ("the constraint's `labelSelector` must select the Deployment's own Pods "
                "(`matchLabels: {app: web}`), or the scheduler counts nothing")
    return None


def check_zone_spread(manifest: str):
    """Exercise (b): 6 replicas spread so that losing any one zone leaves at least 4 Ready at
    once, and all 6 Ready again (in the other zones) once the dead zone's Pods are evicted.

    The check runs the Deployment on a fresh HA cluster (3 zones, a control plane in each)
    where zone-b and zone-c are already busy (so the scheduler's default preference alone
    would crowd zone-a), fails the zone with the most replicas, counts the Ready replicas one
    second later, then waits for the replacements."""
    with checking("your zone-spread Deployment") as c:
        if learner_deployment(c, manifest, "web-app", "spread") is None:
            return c
        cluster = Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3)
        _crowd_other_zones(cluster)
        try:
            cluster.apply(manifest)
        except KubesimError as err:
            return c.check(False, "", f"kubectl apply refused it:\n{err}")
        d = cluster.get("Deployment", "web-app")
        if d["spec"].get("replicas", 1) != SPREAD_REPLICAS:
            return c.check(False, "", f"keep replicas: {SPREAD_REPLICAS}")
        if not cluster.run_until(lambda cl: len(_ready_web(cl, set())) == SPREAD_REPLICAS, timeout=60):
            return c.check(False, "", "not all 6 replicas became Ready: "
                                      + cluster.kubectl("get pods -l app=web -o wide"))
        placed = pods_by_zone(cluster)
        c.check(True, "6 replicas Ready: " + ", ".join(f"{z} {len(p)}" for z, p in placed.items()))
        spec = d["spec"]["template"]["spec"]
        worst = max(placed, key=lambda z: len(placed[z]))
        cluster.fail_zone(worst)
        dead = {h for h, z in cluster.host_zone.items() if z == worst}
        cluster.run(1.0)
        left = SPREAD_REPLICAS - len(placed[worst])
        if left < SPREAD_MIN_SERVING:
            hint = _spread_hint(spec) or "spread them evenly over the zones"
            return c.check(False, "", f"{worst} held {len(placed[worst])} replicas; when it failed only "
                                      f"{left} of 6 were left serving (want ≥ {SPREAD_MIN_SERVING}): {hint}")
        hint = _spread_hint(spec)
        if hint:
            return c.check(False, "", f"this time {left} of 6 survived, but only by luck: {hint}")
        c.check(True, f"{worst} failed: {left} of 6 replicas kept serving at once")
        failed_at = cluster.now
        if not cluster.run_until(lambda cl: len(_ready_web(cl, dead)) == SPREAD_REPLICAS,
                                 timeout=REPLACE_TIMEOUT, step=5.0):
            return c.check(False, "", f"{REPLACE_TIMEOUT:.0f} s later the evicted replicas were still "
                                      f"not running elsewhere: {_replacement_hint(cluster, spec)}")
        c.check(True, f"all 6 Ready again in the other zones {cluster.now - failed_at:.0f} s after "
                      "the failure (node grace period + 300 s toleration + start-up)")
    return c


REPLACE_TIMEOUT = 50 + 300 + 60.0


def _ready_web(cluster: Cluster, dead_hosts: set) -> list[str]:
    return [p["metadata"]["name"] for p in cluster.list("Pod", "default", selector="app=web")
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
            and p["spec"].get("nodeName") not in dead_hosts
            and all(s.get("ready") for s in p["status"].get("containerStatuses") or [])]


def _replacement_hint(cluster: Cluster, spec: dict) -> str:
    pending = [p for p in cluster.list("Pod", "default", selector="app=web")
               if p["status"].get("phase") == "Pending" and not p["spec"].get("nodeName")]
    zonal = [t for t in spec.get("topologySpreadConstraints") or []
             if t.get("topologyKey") == ZONE_LABEL]
    if pending and zonal and zonal[0].get("nodeTaintsPolicy", "Ignore") != "Honor":
        return (f"{len(pending)} replacement(s) are Pending — \"didn't match pod topology spread "
                "constraints\". The dead zone's nodes are tainted `unreachable` but, with the "
                "default `nodeTaintsPolicy: Ignore`, still count as a zone holding 0 replicas, so "
                "any new replica elsewhere would raise the skew to 3. Add `nodeTaintsPolicy: Honor` "
                "to the constraint: tainted nodes then no longer count")
    return cluster.kubectl("get pods -l app=web -o wide")


def _crowd_other_zones(cluster: Cluster) -> None:
    """Fill zone-b and zone-c half-way with another team's Pods, so that the scheduler's
    resource-balancing scores prefer zone-a: a mere preference to spread then loses."""
    cluster.apply("""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
spec:
  replicas: 8
  selector:
    matchLabels:
      app: batch
  template:
    metadata:
      labels:
        app: batch
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: topology.kubernetes.io/zone
                operator: In
                values: [zone-b, zone-c]
      containers:
      - name: work
        image: busybox:1.36
        command: ["sh", "-c", "sleep 100000"]
        resources:
          requests:
            cpu: "1500m"
            memory: 2Gi
""")
    cluster.run_until(lambda cl: sum(1 for p in cl.list("Pod", "default", selector="app=batch")
                                     if p["status"].get("phase") == "Running") == 8, timeout=60)
