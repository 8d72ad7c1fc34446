"""Lesson 02 — the API server: the stories, the figures and the exercise checks.

Everything here reads the trace and the audit log of a kubesim cluster:

* :func:`requests` / :func:`stage_table` — the stages each API request passed (recorded by
  ``kubesim/apiserver/server.py``'s ``_trace_request``);
* :func:`pipeline_figure` — those stages, animated cell by cell;
* :func:`fanout_figure` — the watch events one ``kubectl apply`` set off, per watcher;
* :func:`ha_story` / :func:`ha_figure` — three API server replicas behind the load
  balancer while one crashes;
* :func:`check_refusals`, :func:`check_audit` — the exercise checks.
"""
from __future__ import annotations

from typing import Optional, Sequence

import plotly.graph_objects as go

from .. import seed
from ..checks import checking
from ..cluster import Cluster
from ..errors import KubesimError
from ..viz import style

#: The stages of a write, in the order kube-apiserver runs them.
STAGES = ("authentication", "authorization", "mutating admission", "validation",
          "validating admission", "etcd")
COLORS = {"passed": "#2e8b57", "refused": "#d62728", "not reached": "#e9ecef",
          "skipped": "#cfe2f3", "hidden": "#ffffff"}


# ============================================================================ reading stages
def requests(cluster: Cluster, since: float = 0.0, client: Optional[str] = "kubectl") -> list:
    """Trace records of API requests (writes and refusals) answered to ``client`` since ``since``."""
    return [r for r in cluster.trace.filter(kind="component", since=since)
            if "stages" in r.ref and (client is None or r.target == client)]


def stage_cells(record) -> list[tuple[str, str, str]]:
    """``(stage, status, detail)`` for each of :data:`STAGES`: passed, refused or not reached."""
    done = {}
    refused_at = None
    for text in record.ref["stages"]:
        name, _, detail = text.partition(": ")
        if name == "refused":
            continue
        if name == "impersonation":          # authorized like a request: verb "impersonate"
            if detail.startswith("forbidden"):
                name, detail = "authorization", f"forbidden to impersonate ({detail[11:-1]})"
            else:
                done["authentication"] = f"{done.get('authentication', '')}; {detail}"
                continue
        if name == "RBAC escalation check":
            name = "mutating admission"
        if name in STAGES:
            if detail.startswith(("refused", "forbidden")):
                refused_at = name
            done[name] = detail
    code = record.ref.get("code", 0)
    if record.ref.get("verb") in ("get", "list", "watch") and refused_at is None:
        # Reads skip admission and validation: they go from authorization to storage.
        skipped = ("mutating admission", "validation", "validating admission")
        cells = [(s, "passed", done[s]) for s in STAGES[:2] if s in done]
        if len(cells) == 2:
            cells += [(s, "skipped", "reads are not admitted") for s in skipped]
            cells.append(("etcd", "refused" if code >= 400 else "passed",
                          record.summary.rsplit("-> ", 1)[-1]))
            return cells
    cells = []
    for stage in STAGES:
        if stage in done and stage != refused_at:
            cells.append((stage, "passed", done[stage]))
        elif refused_at is None and code >= 400 and stage not in done and \
                not any(c[1] == "refused" for c in cells):
            cells.append((stage, "refused", record.summary.rsplit("-> ", 1)[-1]))
            refused_at = stage
        elif stage == refused_at:
            cells.append((stage, "refused", done.get(stage, "")))
        else:
            cells.append((stage, "not reached", ""))
    return cells


def refused_stage(record) -> Optional[str]:
    """The stage that refused a request (None if it went through)."""
    for stage, status, _ in stage_cells(record):
        if status == "refused":
            return stage
    return None


def stage_table(record, revisions: bool = True) -> str:
    """The stages of one request as text: ``✔ authentication  admin (client certificate)``.

    ``revisions=False`` leaves out etcd revision numbers (they depend on everything the
    cluster wrote before)."""
    mark = {"passed": "✔", "refused": "✘", "not reached": "·", "skipped": "–"}
    lines = [f"{record.summary}   (as {record.ref.get('user')})"]
    for stage, status, detail in stage_cells(record):
        if not revisions and stage == "etcd":
            detail = detail.split(" rev ")[0]
        lines.append(f"  {mark[status]} {stage:<21} {detail}".rstrip())
    return "\n".join(lines)


# ============================================================================ figures
def pipeline_figure(records: Sequence, labels: Optional[Sequence[str]] = None,
                    title: str = "A request's way through kube-apiserver") -> go.Figure:
    """Rows = requests, columns = stages; ▶ reveals them cell by cell as the server ran them."""
    labels = list(labels or [r.summary.split(" -> ")[0] for r in records])
    grid = [stage_cells(r) for r in records]
    order = [(i, j) for i in range(len(grid)) for j in range(len(STAGES))]

    def scatter(shown: int) -> go.Scatter:
        xs, ys, colors, texts, hovers = [], [], [], [], []
        for k, (i, j) in enumerate(order):
            stage, status, detail = grid[i][j]
            visible = k < shown
            xs.append(j)
            ys.append(labels[i])
            colors.append(COLORS[status] if visible else COLORS["hidden"])
            texts.append({"passed": "✔", "refused": "✘", "skipped": "–"}.get(status, "·")
                         if visible else "")
            hovers.append(f"<b>{stage}</b>: {status}<br>{detail}" if visible else "")
        return go.Scatter(x=xs, y=ys, mode="markers+text", text=texts, hovertext=hovers,
                          hoverinfo="text", textfont=dict(color="white", size=16),
                          marker=dict(symbol="square", size=46, color=colors,
                                      line=dict(color="#adb5bd", width=1)), showlegend=False)

    steps = [k + 1 for k in range(len(order)) if grid[order[k][0]][order[k][1]][1] != "not reached"]
    steps = steps or [len(order)]
    frames = [go.Frame(data=[scatter(n)], name=str(n)) for n in steps[:100]]
    fig = go.Figure(data=[scatter(len(order))])
    style.base_layout(fig, title, height=190 + 64 * len(records))
    fig.update_xaxes(tickvals=list(range(len(STAGES))), ticktext=[s.replace(" ", "<br>") for s in STAGES],
                     side="top", range=[-0.6, len(STAGES) - 0.4], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[len(records) - 0.5, -0.5], showgrid=False, zeroline=False)
    fig.update_layout(margin=dict(t=110, b=60, l=20, r=20))
    _player(fig, frames, [f"cell {n}" for n in steps[:100]])
    return fig


def _player(fig: go.Figure, frames: list, labels: list, duration: int = 450) -> None:
    """▶/⏸ and a slider; frames redraw (marker colours change, which a plain transition skips)."""
    fig.frames = frames
    step = lambda name: dict(frame=dict(duration=duration, redraw=True), mode="immediate",
                             transition=dict(duration=0), fromcurrent=False) if name is None else \
        dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=8, r=8),
                          buttons=[dict(label="▶ play", method="animate", args=[None, step(None)]),
                                   dict(label="⏸ pause", method="animate", args=[[None], step("pause")])])],
        sliders=[dict(active=len(frames) - 1, x=0, len=1, y=0, yanchor="top", pad=dict(t=8, l=175),
                      currentvalue=dict(prefix="", font=dict(size=12, color="#333"), xanchor="left"),
                      font=dict(color="rgba(0,0,0,0)", size=6), ticklen=2,
                      steps=[dict(method="animate", label=label, args=[[f.name], step(f.name)])
                             for f, label in zip(frames, labels)])])


def watch_events(cluster: Cluster, start: float, end: float) -> list:
    """Watch events the API servers pushed to clients in ``[start, end]``."""
    return [r for r in cluster.trace.filter(kind="message", since=start, until=end)
            if r.source.startswith("kube-apiserver") and r.summary.split(" ")[0] in
            ("ADDED", "MODIFIED", "DELETED") and "dropped" not in r.ref]


def fanout_table(cluster: Cluster, start: float, end: float, limit: int = 12) -> str:
    """The first watch events after a write: when, to whom, what."""
    rows = [f"{'time (ms)':>9}  {'watcher':<26} event"]
    for r in watch_events(cluster, start, end)[:limit]:
        rows.append(f"{1000 * (r.time - start):9.1f}  {r.target:<26} {r.summary}")
    return "\n".join(rows)


def fanout_figure(cluster: Cluster, start: float, end: float) -> go.Figure:
    """Who heard about what, when: one row per watcher, one dot per watch event."""
    events = watch_events(cluster, start, end)
    watchers = sorted({r.target for r in events}, key=lambda n: (n.startswith("kubelet"), n))
    kinds = {"deployments": "#1f6fb5", "replicasets": "#a0522d", "pods": "#2e8b57"}
    fig = go.Figure()
    for kind, color in list(kinds.items()) + [("other", "#6c757d")]:
        mine = [r for r in events if (r.summary.split(" ")[1].split("/")[0] if " " in r.summary else "")
                == kind or (kind == "other" and r.summary.split(" ")[1].split("/")[0] not in kinds)]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[1000 * (r.time - start) for r in mine], y=[r.target for r in mine], mode="markers",
            name=kind, marker=dict(size=9, color=color, line=dict(color="white", width=1)),
            hovertext=[f"{r.summary}<br>to {r.target} at +{1000 * (r.time - start):.1f} ms"
                       for r in mine], hoverinfo="text"))
    style.base_layout(fig, "Watch fan-out: every committed change is pushed to whoever watches it",
                      height=140 + 26 * max(len(watchers), 1))
    fig.update_xaxes(title="milliseconds after kubectl's request")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(watchers)))
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return fig


# ============================================================================ HA
def ha_story(seed_value: int = 0, crash_at: float = 3.0, every: float = 0.5,
             seconds: float = 20.0, restart_at: Optional[float] = 14.0):
    """Three API servers behind the load balancer; kubectl asks every ``every`` s while
    ``kube-apiserver-2`` crashes (and restarts). Returns ``(cluster, log)`` where ``log``
    rows are ``(time, replica that answered, kubectl's first line)``."""
    c = Cluster(seed=seed_value, apiservers=3)
    c.apply(seed.DEPLOYMENT)
    c.run(5)
    t0 = c.now
    log = []
    while c.now - t0 < seconds:
        if crash_at is not None and c.now - t0 >= crash_at and "kube-apiserver-2" not in c.network.down:
            if not any(r.summary == "crash kube-apiserver-2" for r in c.trace.filter(kind="fault")):
                c.crash("kube-apiserver-2")
        if restart_at is not None and c.now - t0 >= restart_at and "kube-apiserver-2" in c.network.down:
            c.restart("kube-apiserver-2")
        before = len(c.trace)
        out = c.kubectl("get deployment web-app")
        served = [r.target for r in c.trace.records[before:]
                  if r.kind == "message" and r.source == "kubectl"]
        log.append((c.now, served[0] if served else "-", out.splitlines()[-1]))
        c.run(every)
    return c, log


def ha_figure(cluster: Cluster, log: list) -> go.Figure:
    """Which replica answered each kubectl request, over the load balancer's view of health."""
    fig = go.Figure()
    replicas = [a.name for a in cluster.apiservers]
    t_end = cluster.now
    for name in replicas:            # health bands from the load balancer's trace records
        changes = [(0.0, True)] + [(r.time, r.ref["healthy"]) for r in
                                   cluster.trace.filter(source=cluster.lb.name, kind="component")
                                   if r.target == name]
        for (t, ok), (t2, _ok2) in zip(changes, changes[1:] + [(t_end, None)]):
            fig.add_trace(go.Scatter(x=[t, t2], y=[name, name], mode="lines", showlegend=False,
                                     line=dict(color="#b7e4c7" if ok else "#f5c2c7", width=26),
                                     hoverinfo="text", hovertext=f"{name}: {'in rotation' if ok else 'out'}"))
    for r in cluster.trace.filter(kind="fault"):
        if r.target in replicas:
            fig.add_vline(x=r.time, line=dict(color="#d62728" if "crash" in r.summary else "#2e8b57",
                                             dash="dot"), annotation_text=r.summary,
                          annotation_position="top")
    ok = [row for row in log if row[1] != "-" and "web-app" in row[2]]
    bad = [row for row in log if row not in ok]
    fig.add_trace(go.Scatter(x=[t for t, *_ in ok], y=[s for _, s, _ in ok], mode="markers",
                             name="kubectl answered", marker=dict(color="#1f6fb5", size=9),
                             hovertext=[f"t={t:.1f}s {s}: {o}" for t, s, o in ok], hoverinfo="text"))
    if bad:
        fig.add_trace(go.Scatter(x=[t for t, *_ in bad], y=["(no replica)"] * len(bad), mode="markers",
                                 name="kubectl failed", marker=dict(color="#d62728", size=10, symbol="x"),
                                 hovertext=[f"t={t:.1f}s {o}" for t, _, o in bad], hoverinfo="text"))
    style.base_layout(fig, "Three API server replicas behind a load balancer: one crashes",
                      height=330)
    fig.update_xaxes(title="simulated seconds")
    fig.update_yaxes(categoryorder="array", categoryarray=["(no replica)"] + replicas[::-1])
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig


# ============================================================================ exercises
STAGE_ALIASES = {
    "authentication": "authentication", "authn": "authentication", "401": "authentication",
    "authorization": "authorization", "authz": "authorization", "rbac": "authorization",
    "403": "authorization",
    "admission": "admission", "mutatingadmission": "admission", "validatingadmission": "admission",
    "resourcequota": "admission", "quota": "admission", "namespacelifecycle": "admission",
    "validation": "validation", "invalid": "validation", "422": "validation",
    "etcd": "etcd", "storage": "etcd",
}


def normalize_stage(name) -> str:
    key = "".join(ch for ch in str(name).lower() if ch.isalnum())
    return STAGE_ALIASES.get(key, str(name))


def refusal_story(seed_value: int = 0):
    """Four requests, each refused by a different stage. Returns ``(cluster, outputs)``."""
    c = Cluster(seed=seed_value)
    c.apply(seed.NAMESPACE)
    c.apply("apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: pods\n  namespace: finance-prod\n"
            "spec:\n  hard:\n    pods: \"0\"\n")
    c.run(1)
    outputs = {
        "A": c.kubectl("get pods -n finance-prod", token="expired-or-made-up"),
        "B": c.kubectl("get pods -n finance-prod --as admin", user="alice", groups=()),
    }
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: finance-prod\n"
           "spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n")
    try:
        c.apply(pod)
    except KubesimError as err:
        outputs["C"] = str(err)
    try:
        c.apply(seed.DEPLOYMENT.replace("replicas: 3", "replicas: -1"))
    except KubesimError as err:
        outputs["D"] = str(err)
    return c, outputs


def expected_refusals(cluster: Cluster) -> dict:
    """Which stage refused each of the story's requests, read from the trace."""
    refused = [r for r in requests(cluster) if r.ref.get("code", 0) >= 400 and
               "NotFound" not in r.ref["stages"][-1]]
    stages = [refused_stage(r) for r in refused]
    return {label: normalize_stage(s.replace(" ", "")) if s else None
            for label, s in zip("ABCD", stages)}


def check_refusals(answers: dict):
    """Exercise (a): ``answers`` maps "A".."D" to the stage that refused each request."""
    with checking("which stage refused each request") as c:
        if not isinstance(answers, dict) or set(answers) != set("ABCD"):
            return c.check(False, "", 'give a dict with the keys "A", "B", "C" and "D", e.g. '
                                      '{"A": "authentication", ...}')
        cluster, _outputs = refusal_story()
        want = expected_refusals(cluster)
        for label in "ABCD":
            given = normalize_stage(answers[label])
            hint = {"authentication": "the API server did not even learn who was asking: "
                                      "which stage names the user?",
                    "authorization": "the user is known, but no Role allows this: which stage "
                                     "checks permissions?",
                    "admission": "the request was allowed, then a plugin looked at the object "
                                 "itself (quotas, namespaces…): which stage runs plugins?",
                    "validation": "the object breaks the API's own rules (a negative count): "
                                  "which stage checks fields?"}[want[label]]
            c.check(given == want[label], f"{label}: refused by {want[label]}",
                    f"{label}: not {answers[label]!r} — {hint}")
    return c


def audit_story(seed_value: int = 0) -> Cluster:
    """A morning in finance-prod: several people and a bot act, and the Deployment goes."""
    c = Cluster(seed=seed_value)
    c.apply(seed.NAMESPACE)
    dep = seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n")
    c.apply(dep)
    c.kubectl("create rolebinding team-edit --clusterrole=edit --group=finance-team -n finance-prod")
    c.kubectl("create clusterrole impersonator --verb=impersonate --resource=users,groups")
    c.kubectl("create clusterrolebinding deploy-bot --clusterrole=impersonator --user=deploy-bot")
    c.run(5)
    c.kubectl("get pods -n finance-prod", user="alice", groups=("finance-team",))
    c.kubectl("scale deployment web-app --replicas=4 -n finance-prod", user="bob", groups=("finance-team",))
    c.run(3)
    c.kubectl("delete deployment web-app -n finance-prod", user="mallory", groups=())
    c.kubectl("get deployments -n finance-prod", user="carol", groups=("finance-team",))
    c.kubectl("delete deployment web-app -n finance-prod --as bob --as-group finance-team",
              user="deploy-bot", groups=())
    c.run(3)
    return c


def check_audit(who_asked: str, acting_as: str):
    """Exercise (b): who sent the request that deleted web-app, and as whom did it run?"""
    with checking("who deleted the web-app Deployment") as c:
        cluster = audit_story()
        done = [e for e in cluster.audit.filter(verb="delete", resource="deployments")
                if e["responseStatus"]["code"] < 400]
        ev = done[-1]
        sender = ev["user"]["username"]
        actor = (ev.get("impersonatedUser") or ev["user"])["username"]
        c.check(str(who_asked).strip() == sender, f"the request came from {sender}",
                "`who_asked` is the user the API server *authenticated*: the `user` field of the "
                "successful delete's audit event (a refused delete does not count)")
        c.check(str(acting_as).strip() == actor, f"it ran as {actor} (impersonation)",
                "`acting_as` is the identity RBAC checked: look at `impersonatedUser` in the same event")
    return c


def running_containers(cluster: Cluster, namespace: str = "default") -> int:
    """Pods whose container the node's runtime is still running (asked on the nodes, not
    through the API server)."""
    count = 0
    for pod in cluster.list("Pod", namespace):
        try:
            cluster.app(pod["metadata"]["name"], namespace)
            count += 1
        except KubesimError:
            pass
    return count
