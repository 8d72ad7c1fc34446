"""Lesson 08 — namespaces and RBAC: the team, the matrices, the quota story and the checks.

* :func:`team_cluster` — the seed's ``finance-prod`` namespace and ``readonly`` Role, bound
  to the finance team, plus a ``ci`` ServiceAccount;
* :func:`access_matrix` / :func:`matrix_figure` — who may do what, asked with
  ``kubectl auth can-i`` (a SelfSubjectAccessReview per cell), drawn as a heatmap;
* :func:`quota_story` / :func:`quota_figure` — a runaway Deployment against a 4-CPU quota;
* :func:`check_ci_role`, :func:`check_bob_binding`, :func:`check_quota` — exercise checks.
"""
from __future__ import annotations

from typing import Optional, Sequence

import plotly.graph_objects as go

from .. import rbac, seed
from ..api import manifests
from ..api.quantity import parse_quantity
from ..checks import checking
from ..cluster import Cluster
from ..errors import KubesimError
from ..quota import pod_usage
from ..viz import style

TEAM = ("finance-team",)
CI = "system:serviceaccount:finance-prod:ci"
FINANCE_DEPLOYMENT = seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n")
TEAM_BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: finance-team-readonly
  namespace: finance-prod
subjects:
- kind: Group
  name: finance-team
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: readonly
  apiGroup: rbac.authorization.k8s.io
"""
CI_SERVICE_ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci\n  namespace: finance-prod\n"

#: The cells of the exercise's can-i matrix: (verb, resource).
VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")
RESOURCES = ("pods", "deployments", "replicasets", "services", "secrets", "configmaps",
             "roles", "rolebindings")


def team_cluster(seed_value: int = 0, deployment: bool = True) -> Cluster:
    """A cluster with the seed's finance-prod namespace and readonly Role, verbatim, the Role
    bound to the group ``finance-team`` and a ``ci`` ServiceAccount."""
    c = Cluster(seed=seed_value)
    c.apply(seed.NAMESPACE)
    c.apply(seed.ROLE)
    c.apply(TEAM_BINDING)
    c.apply(CI_SERVICE_ACCOUNT)
    if deployment:
        c.apply(FINANCE_DEPLOYMENT)
    c.run(2)
    return c


def rbac_objects(cluster: Cluster) -> list[dict]:
    """Every Role, ClusterRole, RoleBinding and ClusterRoleBinding stored in the cluster."""
    return [o for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
            for o in cluster.list(kind)]


# ============================================================================ who may do what
def can_i(cluster: Cluster, verb: str, resource: str, namespace: str = "finance-prod",
          as_user: Optional[str] = None, as_groups: Sequence[str] = ()) -> bool:
    """``kubectl auth can-i VERB RESOURCE -n NAMESPACE --as USER --as-group G …``."""
    cmd = f"auth can-i {verb} {resource}" + (f" -n {namespace}" if namespace else " -A")
    if as_user:
        cmd += f" --as {as_user}" + "".join(f" --as-group {g}" for g in as_groups)
    return cluster.kubectl(cmd).splitlines()[-1] == "yes"


def access_matrix(cluster: Cluster, subjects: dict, verbs: Sequence[str] = VERBS,
                  resources: Sequence[str] = RESOURCES, namespace: str = "finance-prod") -> dict:
    """``{subject label: {(verb, resource): bool}}``; ``subjects`` maps a label to
    ``(user, groups)`` (asked through impersonation, as ``kubectl --as`` does)."""
    return {label: {(v, r): can_i(cluster, v, r, namespace, user, groups)
                    for r in resources for v in verbs}
            for label, (user, groups) in subjects.items()}


def matrix_text(matrix: dict, verbs: Sequence[str] = VERBS, resources: Sequence[str] = RESOURCES) -> str:
    """The matrix as text: one block per subject, ``✔`` where allowed."""
    out = []
    for label, cells in matrix.items():
        out.append(f"{label}:")
        out.append(f"  {'':<13}" + " ".join(f"{v:>6}" for v in verbs))
        for r in resources:
            out.append(f"  {r:<13}" + " ".join(f"{'✔' if cells[(v, r)] else '·':>6}" for v in verbs))
    return "\n".join(out)


def matrix_figure(matrix: dict, verbs: Sequence[str] = VERBS, resources: Sequence[str] = RESOURCES,
                  title: str = "Who may do what in finance-prod (kubectl auth can-i)") -> go.Figure:
    """A heatmap: rows = subject × resource, columns = verbs; green = yes."""
    rows, z, text = [], [], []
    for label, cells in matrix.items():
        for r in resources:
            rows.append(f"{label} · {r}")
            z.append([1 if cells[(v, r)] else 0 for v in verbs])
            text.append(["yes" if cells[(v, r)] else "no" for v in verbs])
    fig = go.Figure(go.Heatmap(z=z, x=list(verbs), y=rows, text=text, texttemplate="%{text}",
                               colorscale=[[0, "#f8f9fa"], [1, "#2e8b57"]], showscale=False,
                               xgap=2, ygap=2, hovertemplate="%{y}: %{x} → %{text}<extra></extra>"))
    style.base_layout(fig, title, height=120 + 19 * len(rows))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10))
    fig.update_xaxes(side="top")
    fig.update_layout(margin=dict(t=90, l=20, r=20, b=20))
    return fig


def allowed_cells(matrix_cells: dict) -> list[tuple[str, str]]:
    """The ``(verb, resource)`` pairs that are allowed."""
    return sorted(k for k, ok in matrix_cells.items() if ok)


# ============================================================================ the quota story
QUOTA = """\
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: finance-prod
spec:
  hard:
    requests.cpu: "4"
"""


def runaway(replicas: int = 20, cpu: str = "500m") -> str:
    """A Deployment in finance-prod whose every Pod requests ``cpu``."""
    return FINANCE_DEPLOYMENT.replace("name: web-app", "name: runaway").replace("app: web", "app: runaway") \
        .replace("replicas: 3", f"replicas: {replicas}") \
        .replace("        ports:", f"        resources:\n          requests:\n            cpu: {cpu}\n        ports:")


def requested_cpu(cluster: Cluster, namespace: str = "finance-prod") -> int:
    """Millicores requested by the namespace's Pods that count for quota."""
    total = parse_quantity(0)
    for p in cluster.list("Pod", namespace):
        total = total + pod_usage(p, cluster.now).get("requests.cpu", parse_quantity(0))
    return total.milli_value()


def quota_story(quota: Optional[str] = QUOTA, seconds: float = 30.0, step: float = 1.0):
    """Apply a quota (or none) and a 20 × 500m runaway Deployment; sample every ``step`` s.

    Returns ``(cluster, samples)`` with samples ``(t, pods, millicores requested, failed creates)``.
    """
    c = team_cluster(deployment=False)
    if quota:
        c.apply(quota)
        c.run(1)
    c.apply(runaway())
    t0, samples = c.now, []
    while c.now - t0 <= seconds:
        pods = [p for p in c.list("Pod", "finance-prod") if not p["metadata"].get("deletionTimestamp")]
        failed = sum(e.get("count", 1) for e in c.list("Event", "finance-prod") if e["reason"] == "FailedCreate")
        samples.append((round(c.now - t0, 3), len(pods), requested_cpu(c), failed))
        c.run(step)
    return c, samples


def quota_figure(with_quota: list, without: list, limit_millis: int = 4000) -> go.Figure:
    """CPU requested by the runaway Deployment's Pods, with and without the quota."""
    fig = go.Figure()
    for samples, name, color in ((without, "no quota", "#d62728"), (with_quota, "quota: requests.cpu 4", "#2e8b57")):
        fig.add_trace(go.Scatter(x=[s[0] for s in samples], y=[s[2] / 1000 for s in samples], name=name,
                                 mode="lines+markers", line=dict(color=color, shape="hv"),
                                 hovertext=[f"{s[1]} Pods, {s[2]}m CPU requested, {s[3]} refused creations"
                                            for s in samples], hoverinfo="text+x"))
    fig.add_hline(y=limit_millis / 1000, line=dict(color="#333", dash="dash"),
                  annotation_text="spec.hard requests.cpu = 4", annotation_position="top left")
    style.base_layout(fig, "A runaway Deployment (20 × 500m CPU): Pods come in batches of 1, 2, 4, 8 …",
                      height=360)
    fig.update_xaxes(title="seconds after kubectl apply")
    fig.update_yaxes(title="CPU requested (cores)", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return fig


# ============================================================================ exercise (a)
def _objects(manifest: str) -> list[dict]:
    return [d.obj for d in manifests.iter_load(manifest)]


def check_ci_role(manifest: str):
    """Exercise (a): a Role + RoleBinding so ``ci`` can update Deployments in finance-prod — and nothing else."""
    with checking("the ci ServiceAccount's permissions") as c:
        if not isinstance(manifest, str) or not manifest.strip():
            return c.check(False, "", "`manifest` should be the YAML of your Role and RoleBinding")
        kinds = [o.get("kind") for o in _objects(manifest)]
        if not c.check("ClusterRoleBinding" not in kinds, "no ClusterRoleBinding",
                       "a ClusterRoleBinding grants in every namespace: use a RoleBinding in finance-prod"):
            return c
        cluster = team_cluster()
        try:
            lines = cluster.apply(manifest)
        except KubesimError as err:
            return c.check(False, "", f"kubectl apply refused it:\n{err}")
        c.check(True, "kubectl apply accepted it: " + ", ".join(lines))
        cluster.run(1)
        ci = {"ci": (CI, ())}
        cells = access_matrix(cluster, ci)["ci"]
        if not c.check(cells[("update", "deployments")], "ci can update Deployments in finance-prod",
                       "ci still cannot update Deployments in finance-prod: Deployments are in the "
                       'API group "apps"; the RoleBinding\'s subject is kind: ServiceAccount, name: ci, '
                       "namespace: finance-prod"):
            return c
        tolerated = {("update", "deployments"), ("get", "deployments"), ("patch", "deployments")}
        extra = [f"{v} {r}" for v, r in allowed_cells(cells) if (v, r) not in tolerated]
        if not c.check(not extra, "nothing else in finance-prod (get/patch on Deployments at most)",
                       "too much: ci may also " + ", ".join(extra[:6]) + (" …" if len(extra) > 6 else "")
                       + " — list only the verbs and resources it needs"):
            return c
        elsewhere = [f"{v} {r} in {ns}" for ns in ("default", "kube-system")
                     for v, r in (("update", "deployments"), ("get", "secrets"))
                     if can_i(cluster, v, r, ns, CI)]
        c.check(not elsewhere, "and nothing in any other namespace",
                "ci has rights outside finance-prod (" + ", ".join(elsewhere) + "): bind a Role "
                "with a RoleBinding in finance-prod only")
    return c


# ============================================================================ exercise (b)
BOB_GROUPS = ("finance-team", "oncall", "system:authenticated")
BOB_STORY = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-deployer
  namespace: finance-prod
subjects:
- kind: ServiceAccount
  name: ci
  namespace: finance-prod
roleRef:
  kind: ClusterRole
  name: edit
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auditors-view
subjects:
- kind: Group
  name: auditors
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: view
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: oncall-debug
  namespace: finance-prod
subjects:
- kind: Group
  name: oncall
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: edit
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-logs
  namespace: finance-prod
subjects:
- kind: User
  name: bob
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: readonly
  apiGroup: rbac.authorization.k8s.io
"""


def bob_cluster(seed_value: int = 0) -> Cluster:
    """The team's cluster after a few months: bob (in finance-team and oncall) can read Secrets."""
    c = team_cluster(seed_value)
    c.apply(BOB_STORY)
    c.run(1)
    return c


def check_bob_binding(answer: str):
    """Exercise (b): the name of the binding that lets bob read Secrets in finance-prod."""
    with checking("the binding that gives bob too much") as c:
        if not isinstance(answer, str) or not answer.strip():
            return c.check(False, "", 'give the binding\'s name as a string, e.g. "my-binding"')
        cluster = bob_cluster()
        d = rbac.authorize(rbac_objects(cluster), "bob", BOB_GROUPS, "get", "secrets", "finance-prod")
        culprit = d.reason.split('"')[1].split("/")[0]
        given = answer.strip().split("/")[-1] if answer.strip().lower().startswith(("rolebinding/",
                                                                                   "clusterrolebinding/")) \
            else answer.strip().split("/")[0]
        if given == culprit:
            return c.check(True, f"{culprit}: it binds edit (which reads Secrets) to the group oncall, "
                                 "and bob is in oncall")
        known = {o["metadata"]["name"] for o in rbac_objects(cluster)
                 if o["kind"] in ("RoleBinding", "ClusterRoleBinding")}
        if given not in known:
            return c.check(False, "", f"there is no binding named {given!r}: list them with "
                                      "`kubectl get rolebindings,clusterrolebindings -A`")
        return c.check(False, "", f"{given} does not let bob read Secrets (its subjects or its role "
                                  "do not match): ask rbac.authorize(...) for bob with his groups "
                                  f"{list(BOB_GROUPS)} and read the reason")
    return c


# ============================================================================ exercise (c)
def check_quota(manifest: str):
    """Exercise (c): a ResourceQuota so the team cannot request more than 4 CPU in finance-prod."""
    with checking("your finance-prod quota") as c:
        if not isinstance(manifest, str) or not manifest.strip():
            return c.check(False, "", "`manifest` should be the YAML of a ResourceQuota")
        objs = _objects(manifest)
        quotas = [o for o in objs if o.get("kind") == "ResourceQuota"]
        if not c.check(len(quotas) == 1, "one ResourceQuota", "write one document of kind: ResourceQuota"):
            return c
        q = quotas[0]
        if not c.check((q.get("metadata") or {}).get("namespace") == "finance-prod",
                       "it is in finance-prod",
                       "a quota limits only its own namespace: set metadata.namespace: finance-prod"):
            return c
        hard = (q.get("spec") or {}).get("hard") or {}
        key = next((k for k in ("requests.cpu", "cpu") if k in hard), None)
        if not c.check(key is not None, f"it limits {key}",
                       "limit what Pods *request*: spec.hard needs requests.cpu (limits.cpu caps "
                       "limits, not requests)"):
            return c
        try:
            amount = parse_quantity(hard[key])
        except (ValueError, KubesimError):
            return c.check(False, "", f"{hard[key]!r} is not a quantity: write \"4\" or \"4000m\"")
        if not c.check(amount == parse_quantity(4), f"{key} is 4 CPU",
                       f"{key} is {hard[key]}, the team may request 4 CPU in total"):
            return c
        try:
            cluster, samples = quota_story(manifest, seconds=20)
        except KubesimError as err:
            return c.check(False, "", f"kubectl apply refused it:\n{err}")
        used = samples[-1][2]
        c.check(used == 4000, "a runaway Deployment (20 × 500m) stops at 8 Pods = 4 CPU",
                f"the runaway Deployment got {samples[-1][1]} Pods requesting {used}m: a quota that "
                "also caps other resources (like limits.cpu) refuses Pods that do not set them; "
                "keep only requests.cpu")
    return c
