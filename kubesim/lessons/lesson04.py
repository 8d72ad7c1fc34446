"""Lesson 04 — scheduling: the scenarios, a playground widget, and the exercise checks.

Scenarios (Node and Pod manifests, no simulation needed — :func:`kubesim.scheduler.explain`
runs the real scheduling cycle on them):

* :func:`nodes` — 3 ordinary workers (4 CPU, 8 GiB, one per zone) and 3 GPU nodes
  (8 CPU, 32 GiB, ``pool=gpu``, tainted ``dedicated=gpu:NoSchedule``);
* :func:`running_pods` — what already runs on the workers;
* :func:`web_pod` — the seed article's container: requests 250m/256Mi, limits 500m/512Mi;
* :func:`place` — schedule replicas one after the other, as the scheduler does, and
  return where they landed.

Live cluster helpers: :func:`taint` / :func:`label` (what ``kubectl taint`` / ``kubectl
label`` do: a PATCH of the Node) and :func:`pool_cluster`.

Exercise checks: :func:`check_gpu_pod`, :func:`check_zone_spread`, :func:`check_bin_packing`,
:func:`check_fixed_pod` — each prints ✅/❌ lines through :mod:`kubesim.checks`.
"""
from __future__ import annotations

import copy
from collections import Counter
from typing import Optional

import yaml

from ..checks import checking
from ..scheduler import Plugin, default_profile, explain
from ..scheduler.testing import make_node, make_pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


# ====================================================================== scenarios
def _node(name: str, zone: str, cpu: str, memory: str, gpu: bool = False) -> dict:
    b = (make_node(name).capacity({"cpu": cpu, "memory": memory, "pods": "110",
                                   **({"nvidia.com/gpu": "1"} if gpu else {})})
         .labels({HOST: name, ZONE: zone, "kubernetes.io/os": "linux"}))
    if gpu:
        b.label("pool", "gpu").taint("dedicated", "gpu", "NoSchedule")
    return b.obj()


def nodes() -> list[dict]:
    """worker-1..3 (zone-a, -b, -c) and gpu-1..3 (zone-a, -b, -c), as Node manifests."""
    return ([_node(f"worker-{i}", f"zone-{z}", "4", "8Gi") for i, z in zip((1, 2, 3), "abc")]
            + [_node(f"gpu-{i}", f"zone-{z}", "8", "32Gi", gpu=True) for i, z in zip((1, 2, 3), "abc")])


def zone_nodes(per_zone=(3, 1, 2)) -> list[dict]:
    """Nodes spread unevenly over three zones (zone-a has the most): spreading by node is
    not spreading by zone."""
    out = []
    for z, count in zip("abc", per_zone):
        out += [_node(f"node-{z}{i}", f"zone-{z}", "4", "8Gi") for i in range(1, count + 1)]
    return out


def running_pods() -> list[dict]:
    """A few Pods already placed: worker-1 is the busiest, worker-3 the emptiest."""
    return [make_pod("api-1").labels({"app": "api"}).req(cpu="1500m", memory="3Gi").node("worker-1").obj(),
            make_pod("api-2").labels({"app": "api"}).req(cpu="1", memory="1Gi").node("worker-2").obj(),
            make_pod("cache").labels({"app": "cache"}).req(cpu="250m", memory="2Gi").node("worker-2").obj()]


def web_pod(name: str = "web-1") -> dict:
    """The seed's web container: requests 250m CPU / 256Mi, limits 500m / 512Mi."""
    pod = make_pod(name).labels({"app": "web"}).obj()
    pod["spec"]["containers"] = [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                  "resources": {"requests": {"cpu": "250m", "memory": "256Mi"},
                                                "limits": {"cpu": "500m", "memory": "512Mi"}}}]
    return pod


def as_dict(manifest) -> dict:
    """A manifest given as YAML text or as a dict."""
    if isinstance(manifest, str):
        return yaml.safe_load(manifest)
    return copy.deepcopy(manifest)


def pod_of(manifest) -> dict:
    """A Pod from a Pod manifest, or the Pod a Deployment's template would create."""
    m = as_dict(manifest)
    if m.get("kind") in ("Deployment", "ReplicaSet"):
        tmpl = m["spec"]["template"]
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": m["metadata"]["name"], "namespace": "default",
                             "labels": dict((tmpl.get("metadata") or {}).get("labels") or {})},
                "spec": copy.deepcopy(tmpl["spec"])}
    m.setdefault("metadata", {}).setdefault("namespace", "default")
    return m


def place(manifest, replicas: int, on: list, existing=(), config=None, seed: int = 0) -> list[dict]:
    """Schedule ``replicas`` copies of a Pod (or of a Deployment's template) one by one,
    each seeing the ones placed before — what the running scheduler does.  Returns the
    Pods with ``spec.nodeName`` set (``None`` for a Pod that fits nowhere)."""
    base = pod_of(manifest)
    placed, everything = [], list(existing)
    for i in range(replicas):
        pod = copy.deepcopy(base)
        pod["metadata"]["name"] = f"{base['metadata']['name']}-{i + 1}"
        pod["metadata"]["uid"] = f"uid-{pod['metadata']['name']}"
        x = explain(pod, on, everything, config=config, seed=seed + i)
        pod["spec"]["nodeName"] = x.selected
        placed.append(pod)
        if x.selected:
            everything.append(pod)
    return placed


def zone_counts(pods: list, on: list) -> dict:
    """``{zone: Pods placed there}`` for the placed Pods."""
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"].get(ZONE) for n in on}
    counts = Counter(zone_of.get(p["spec"].get("nodeName")) for p in pods if p["spec"].get("nodeName"))
    return dict(sorted(counts.items()))


# ====================================================================== a live cluster
def patch_node(cluster, name: str, patch: dict) -> dict:
    """PATCH a Node through the API server, as kubectl does."""
    return cluster.call(cluster.client().patch("nodes", name, patch))


def taint(cluster, node: str, key: str, value: str, effect: str = "NoSchedule") -> None:
    """``kubectl taint nodes <node> key=value:effect``."""
    current = cluster.get("Node", node)["spec"].get("taints") or []
    patch_node(cluster, node, {"spec": {"taints": current + [{"key": key, "value": value, "effect": effect}]}})


def label(cluster, node: str, key: str, value: str) -> None:
    """``kubectl label nodes <node> key=value``."""
    patch_node(cluster, node, {"metadata": {"labels": {key: value}}})


def pool_cluster(seed: int = 4, **kwargs):
    """A 3-zone cluster (6 workers); worker-5 and worker-6 become the GPU pool."""
    import kubesim
    c = kubesim.Cluster(seed=seed, zones=3, nodes_per_zone=2, **kwargs)
    c.run(2)
    for n in ("worker-5", "worker-6"):
        label(c, n, "pool", "gpu")
        taint(c, n, "dedicated", "gpu")
    c.run(1)
    return c


# ====================================================================== the playground
def playground(on: Optional[list] = None, existing: Optional[list] = None):
    """Sliders and switches for one Pod; every change re-runs the scheduling cycle and
    shows the filter table, the score heatmap and the verdict."""
    import ipywidgets as widgets

    from ..scheduler import viz as sviz
    from ..widgets import show

    on = on if on is not None else nodes()
    existing = existing if existing is not None else running_pods()
    wide = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="340px"))
    cpu = widgets.IntSlider(value=250, min=50, max=9000, step=50, description="CPU request (m)",
                            continuous_update=False, **wide)
    mem = widgets.IntSlider(value=256, min=64, max=40960, step=64, description="memory request (Mi)",
                            continuous_update=False, **wide)
    tolerate = widgets.Checkbox(value=False, description="tolerate dedicated=gpu:NoSchedule",
                                indent=False, **wide)
    zone = widgets.Dropdown(options=["any zone", "zone-a", "zone-b", "zone-c"], value="any zone",
                            description="nodeSelector zone", **wide)
    out = widgets.Output()

    def pod() -> dict:
        p = web_pod("playground")
        p["spec"]["containers"][0]["resources"]["requests"] = {"cpu": f"{cpu.value}m",
                                                               "memory": f"{mem.value}Mi"}
        p["spec"]["containers"][0]["resources"]["limits"] = {}
        if tolerate.value:
            p["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                         "effect": "NoSchedule"}]
        if zone.value != "any zone":
            p["spec"]["nodeSelector"] = {ZONE: zone.value}
        return p

    def refresh(_change=None) -> None:
        x = explain(pod(), on, existing)
        verdict = f"→ the scheduler picks {x.selected}" if x.selected else "✗ " + x.message
        show(out, verdict, sviz.filter_table(x), sviz.score_heatmap(x))

    for w in (cpu, mem, tolerate, zone):
        w.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([widgets.HBox([cpu, mem]), widgets.HBox([tolerate, zone]), out])
    box.refresh = refresh
    box.controls = dict(cpu=cpu, memory=mem, tolerate=tolerate, zone=zone)
    box.output = out
    return box


# ====================================================================== exercise checks
GPU_NODES = {"gpu-1", "gpu-2", "gpu-3"}
WORKERS = {"worker-1", "worker-2", "worker-3"}


def check_gpu_pod(manifest) -> object:
    """Task (a): the Pod must land on the GPU pool — and only there."""
    with checking("your GPU Pod lands on the GPU pool") as c:
        pod = pod_of(manifest)
        x = explain(pod, nodes(), running_pods())
        feasible = set(x.feasible)
        if not feasible:
            c.fail(f"the Pod fits nowhere — the scheduler says: {x.message} "
                   "Read which filter rejects the GPU nodes and what lets a Pod past it.")
            return c
        c.check(feasible & GPU_NODES, "the GPU nodes accept it (the taint is tolerated)",
                "no GPU node accepts it: a Pod needs a toleration for `dedicated=gpu:NoSchedule`")
        c.check(feasible <= GPU_NODES, "no ordinary worker accepts it, so it can only go to the pool",
                "it could also land on " + ", ".join(sorted(feasible - GPU_NODES)) + ": a toleration "
                "only *allows* the GPU nodes; add a nodeSelector or node affinity on `pool: gpu` "
                "to *require* them")
    return c


def check_zone_spread(manifest) -> object:
    """Task (b): 6 replicas, 2 per zone, on nodes spread unevenly over the zones."""
    with checking("your Deployment spreads 6 replicas evenly over 3 zones") as c:
        d = as_dict(manifest)
        c.check(d.get("kind") == "Deployment", "it is a Deployment", "write a Deployment manifest")
        c.check((d.get("spec") or {}).get("replicas") == 6, "it asks for 6 replicas",
                "set `spec.replicas: 6`")
        constraints = d["spec"]["template"]["spec"].get("topologySpreadConstraints") or []
        if not c.check(constraints, "the Pod template has topologySpreadConstraints",
                       "add `topologySpreadConstraints` to the Pod template (`spec.template.spec`)"):
            return c
        keys = {k.get("topologyKey") for k in constraints}
        c.check(ZONE in keys, "one constraint spreads over `topology.kubernetes.io/zone`",
                f"the constraints spread over {sorted(keys)}: spreading over nodes is not spreading "
                "over zones when zones have different numbers of nodes")
        on = zone_nodes()
        pods = place(d, 6, on)
        counts = zone_counts(pods, on)
        c.check(counts == {"zone-a": 2, "zone-b": 2, "zone-c": 2},
                "placed 2/2/2 over zone-a/b/c (zone-a has 3 nodes, zone-b 1, zone-c 2)",
                f"the scheduler placed them {counts}: check `maxSkew: 1`, `whenUnsatisfiable: "
                "DoNotSchedule`, and that `labelSelector` selects the template's labels")
    return c


def _instance(plugin):
    return plugin() if isinstance(plugin, type) else plugin


def check_bin_packing(plugin, profile=None) -> object:
    """Task (c): a Score plugin that prefers fuller nodes, in ``profile``, makes a cluster
    use fewer nodes."""
    import kubesim
    with checking("your bin-packing Score plugin") as c:
        p = _instance(plugin)
        if not c.check(isinstance(p, Plugin) and getattr(p, "name", "Plugin") != "Plugin",
                       "it is a Plugin with a name", "write a class that extends `Plugin` and sets `name`"):
            return c
        busy = make_node("busy").capacity(cpu="4", memory="8Gi").obj()
        empty = make_node("empty").capacity(cpu="4", memory="8Gi").obj()
        pods = [make_pod("x").req(cpu="2", memory="4Gi").node("busy").obj()]
        if profile is None:
            profile = default_profile().with_plugin(p)
        if not c.check(profile.plugin(p.name) is not None, "your profile runs the plugin",
                       "add it to the profile: `default_profile().with_plugin(BinPacking(), weight=...)`"):
            return c
        x = explain(make_pod("new").req(cpu="500m", memory="512Mi").obj(), [empty, busy], pods,
                    config=profile)
        s = x.scores.get("busy", {}).get(p.name), x.scores.get("empty", {}).get(p.name)
        if not c.check(None not in s, "it scores nodes", "implement `score(self, pod, node_info)`"):
            return c
        c.check(s[0] > s[1], f"a half-full node scores higher than an empty one ({s[0]} > {s[1]})",
                f"it gives the half-full node {s[0]} and the empty node {s[1]}: bin packing should "
                "prefer the node whose CPU is already the most requested")
        cluster = kubesim.Cluster(seed=0, scheduler_profile=profile)
        cluster.apply(DEPLOYMENT_OF_SIX)
        cluster.run(10)
        used = {q["spec"].get("nodeName") for q in cluster.list("Pod", "default", selector="app=batch")}
        c.check(None not in used and len(used) <= 2,
                f"a cluster with your profile put 6 Pods on {len(used)} node(s) (the default spreads them over 3)",
                f"the cluster still used {len(used - {None})} nodes: give your plugin a weight larger than "
                "the spreading plugins (e.g. `weight=10`)")
    return c


DEPLOYMENT_OF_SIX = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch}
spec:
  replicas: 6
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      containers:
      - name: worker
        image: nginx:1.25
        resources: {requests: {cpu: 500m, memory: 128Mi}}
"""

BROKEN_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: report
spec:
  nodeSelector:
    disktype: ssd
  containers:
  - name: report
    image: nginx:1.25
    resources:
      requests:
        cpu: "5"
        memory: 1Gi
"""


def check_fixed_pod(manifest) -> object:
    """Task (d): the fixed Pod runs on an ordinary worker and still requests CPU."""
    with checking("your fixed Pod") as c:
        pod = pod_of(manifest)
        x = explain(pod, nodes(), running_pods())
        if not c.check(x.feasible, "the scheduler finds a node for it",
                       f"still no node: {x.message} — fix what this message names, then run it again"):
            return c
        c.check(set(x.feasible) & WORKERS, "it can run on an ordinary worker",
                "it now fits only the GPU pool: this report should not take a GPU node — remove the "
                "toleration and fix the requests instead")
        reqs = (pod["spec"]["containers"][0].get("resources") or {}).get("requests") or {}
        c.check(reqs.get("cpu") and reqs.get("cpu") not in ("0", 0),
                "it still requests CPU (so the scheduler can place it well)",
                "keep a CPU request — without one the scheduler cannot tell how much room it needs")
    return c


def node_table(on: list, existing=()) -> str:
    """A ``kubectl describe nodes`` digest: zone, CPU and memory requested/allocatable, taints."""
    from ..api.quantity import format_bytes
    from ..scheduler.snapshot import Snapshot
    snap = Snapshot(on, existing)
    lines = [f"{'NODE':<10} {'ZONE':<7} {'CPU REQ/ALLOC':>14} {'MEMORY REQ/ALLOC':>18}  PODS  TAINTS"]
    for n in on:
        info = snap.get(n["metadata"]["name"])
        taints = ",".join(f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in info.taints) or "<none>"
        cpu = f"{info.requested.milli_cpu}m/{info.allocatable.milli_cpu}m"
        mem = f"{format_bytes(info.requested.memory)}/{format_bytes(info.allocatable.memory)}"
        lines.append(f"{info.name:<10} {info.labels.get(ZONE, ''):<7} {cpu:>14} {mem:>18}  "
                     f"{len(info.pods):>4}  {taints}")
    return "\n".join(lines)
