"""The figures of kubesim.viz: they build from the trace alone, stay small and are deterministic."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

import kubesim
from kubesim import viz
from kubesim.trace import Trace
from kubesim.viz import style
from kubesim.viz.tracedata import CATEGORIES, category, down_at, lane_key, role

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""


def deployed(seed: int = 0, **kwargs) -> kubesim.Cluster:
    """A cluster that applied the web Deployment and ran 30 s."""
    c = kubesim.Cluster(seed=seed, **kwargs)
    c.apply(WEB)
    c.run(30)
    return c


@pytest.fixture(scope="module")
def cluster():
    return deployed()


@pytest.fixture(scope="module")
def crashed():
    c = deployed()
    c.crash("worker-1")
    c.run(60)
    return c


def pods_of(c) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.list("Pod"))


def node_trace(fig) -> go.Scatter:
    return next(t for t in fig.data if t.name == "components")


def all_figures(c) -> list[go.Figure]:
    pod = pods_of(c)[0]
    return [viz.component_graph(c), viz.message_animation(c), viz.message_animation(c, by="step"),
            viz.sequence_diagram(c), viz.sequence_diagram(c, include=viz.pod_story(c, pod)),
            viz.pod_timeline(c)]


# ---------------------------------------------------------------------- every figure
def test_figures_are_plain_figures_with_at_most_100_frames(cluster):
    for fig in all_figures(cluster):
        assert type(fig) is go.Figure
        assert len(fig.frames) <= 100
        assert fig.layout.template.layout.paper_bgcolor == "white"     # plotly_white


def test_same_seed_gives_identical_figures():
    a, b = deployed(seed=3), deployed(seed=3)
    assert [f.to_json() for f in all_figures(a)] == [f.to_json() for f in all_figures(b)]


def test_figures_build_from_a_bare_trace(cluster):
    trace = Trace()
    trace.records.extend(cluster.trace.records)
    pod = pods_of(cluster)[0]
    assert viz.first_path(trace, pod) == viz.first_path(cluster, pod)
    for fig in (viz.component_graph(trace), viz.message_animation(trace, frames=10),
                viz.sequence_diagram(trace), viz.pod_timeline(trace)):
        assert fig.data


def test_figures_build_for_an_idle_cluster():
    c = kubesim.Cluster(seed=0)
    for fig in (viz.component_graph(c), viz.message_animation(c), viz.sequence_diagram(c),
                viz.pod_timeline(c)):
        assert isinstance(fig, go.Figure)


def test_figures_build_for_a_multi_zone_ha_cluster():
    c = deployed(zones=3, nodes_per_zone=2, apiservers=3, etcd_members=3)
    fig = viz.component_graph(c)
    nodes = node_trace(fig)
    points = list(zip(nodes.x, nodes.y))
    assert len(points) == len(set(points))                    # nobody sits on anybody
    assert len(points) == len(c.components) + len(c.kubelets)  # + one runtime per node
    zones = {a.text.strip("<i/>") for a in fig.layout.annotations}
    assert {"zone-a", "zone-b", "zone-c"} <= zones
    assert len(viz.sequence_diagram(c).frames) <= 100


def test_unknown_components_from_a_hand_built_trace():
    """kube-proxy on every node and etcd peers talking to each other still get a place."""
    trace = Trace()
    for host in ("control-plane", "worker-1", "worker-2"):
        for agent in ("kubelet", "kube-proxy"):
            trace.add(1, "message", f"{agent}-{host}", "kube-apiserver-1", "GET x", rpc="api",
                      verb="get", resource="x", arrive=1.001)
    trace.add(1, "message", "etcd-1", "etcd-2", "AppendEntries", rpc="raft", arrive=1.002)
    trace.add(2, "fault", "cluster", "worker-2", "crash worker-2",
              components=["kubelet-worker-2", "kube-proxy-worker-2"])
    nodes = node_trace(viz.component_graph(trace))
    assert len(set(zip(nodes.x, nodes.y))) == len(nodes.x) == 3 * 3 + 3
    assert sum(c == style.CRASHED_FILL for c in nodes.marker.color) == 3
    assert lanes(viz.sequence_diagram(trace)) == [
        "kube-apiserver-1", "etcd-1", "etcd-2", "kubelet-control-plane",
        "kube-proxy-control-plane", "kubelet-worker-1", "kube-proxy-worker-1",
        "kubelet-worker-2", "kube-proxy-worker-2"]


# ---------------------------------------------------------------------- component_graph
def test_component_graph_shows_both_planes_and_every_component(cluster):
    fig = viz.component_graph(cluster)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Control plane (the brain)" in texts and "Data plane (worker nodes)" in texts
    hover = " ".join(node_trace(fig).hovertext)
    for name in cluster.components:
        assert name in hover
    assert "container runtime" in hover


def test_component_graph_edges_come_from_the_trace(cluster):
    fig = viz.component_graph(cluster)
    paths = next(t for t in fig.data if t.name == "paths")
    assert any("kubectl ↔ kube-apiserver-1" in h for h in paths.hovertext)
    assert any("kube-apiserver-1 ↔ etcd-1" in h for h in paths.hovertext)
    idle = viz.component_graph(kubesim.Cluster(seed=0))
    assert not next(t for t in idle.data if t.name == "paths").hovertext


def test_component_graph_greys_out_what_is_crashed_at_that_time(crashed):
    crash_time = next(r.time for r in crashed.trace if r.summary == "crash worker-1")
    after = node_trace(viz.component_graph(crashed))
    before = node_trace(viz.component_graph(crashed, at=crash_time - 1))
    i = list(after.hovertext).index(next(h for h in after.hovertext if "kubelet-worker-1" in h))
    assert after.marker.color[i] == style.CRASHED_FILL and "✗" in after.text[i]
    assert before.marker.color[i] != style.CRASHED_FILL
    shapes = viz.component_graph(crashed).layout.shapes
    assert any(s.line.color == style.CRASHED_LINE for s in shapes)     # the node's box
    assert down_at(crashed.trace) >= {"worker-1", "kubelet-worker-1"}


def test_component_graph_restart_brings_it_back():
    c = deployed()
    c.crash("kube-scheduler")
    c.run(1)
    c.restart("kube-scheduler")
    c.run(1)
    assert "kube-scheduler" not in down_at(c.trace)
    assert style.CRASHED_FILL not in node_trace(viz.component_graph(c)).marker.color


def test_component_graph_highlights_names_roles_and_nodes(cluster):
    fig = viz.component_graph(cluster, highlight=["kube-scheduler", "etcd"])
    halo = next(t for t in fig.data if t.name == "highlight")
    assert len(halo.x) == 2
    fig = viz.component_graph(cluster, highlight=["kubelet"])
    assert len(next(t for t in fig.data if t.name == "highlight").x) == len(cluster.kubelets)


# ---------------------------------------------------------------------- message_animation
def in_frame(frame: go.Frame, name: str):
    return next(t for t in frame.data if t.name == name)


def test_message_animation_has_player_and_frames(cluster):
    fig = viz.message_animation(cluster, start=0, end=10, frames=40)
    assert len(fig.frames) == 40
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ play", "⏸ pause"]
    assert len(fig.layout.sliders[0].steps) == 40
    assert len(viz.message_animation(cluster, frames=500).frames) == 100


def test_message_animation_by_step_follows_message_order(cluster):
    apply_at = next(r.time for r in cluster.trace if r.source == "kubectl")
    fig = viz.message_animation(cluster, start=apply_at, end=apply_at + 0.01, by="step", frames=100)
    captions = [in_frame(f, "caption").text[0] for f in fig.frames]
    assert "kubectl → kube-apiserver-1" in captions[0]
    assert all("t = " in c for c in captions)
    dots = in_frame(fig.frames[0], "messages")
    assert dots.marker.color[1] == style.MESSAGE_COLORS["request"]


def test_message_animation_filters(cluster):
    fig = viz.message_animation(cluster, exclude_rpc=("etcd",), frames=20)
    colors = {c for f in fig.frames for c in (in_frame(f, "messages").marker.color or ())}
    assert style.MESSAGE_COLORS["etcd"] not in colors
    only = viz.message_animation(cluster, include="kubectl", by="step")
    assert all("kubectl" in h for f in only.frames for h in in_frame(f, "messages").hovertext if h)


def test_message_animation_shows_crashes_happening(cluster):
    c = deployed()
    c.crash("kube-scheduler")
    c.run(5)
    fig = viz.message_animation(c, start=25, frames=20)
    states = [f.data[2].marker.color for f in fig.frames if len(f.data) == 3]
    assert len(states) == 20
    assert style.CRASHED_FILL not in states[0] and style.CRASHED_FILL in states[-1]
    assert len(viz.message_animation(cluster, frames=20).frames[0].data) == 2  # nothing to redraw
    with pytest.raises(ValueError):
        viz.message_animation(cluster, by="message")


# ---------------------------------------------------------------------- sequence_diagram
def lanes(fig) -> list[str]:
    return [a.hovertext for a in fig.layout.annotations if a.bgcolor]


def test_sequence_diagram_lanes_in_the_standard_order(cluster):
    fig = viz.sequence_diagram(cluster, max_messages=400)
    names = lanes(fig)
    assert names[:5] == ["kubectl", "kube-apiserver-1", "etcd-1", "kube-controller-manager",
                         "kube-scheduler"]
    assert names == sorted(names, key=lane_key)


def test_sequence_diagram_frames_reveal_step_by_step(cluster):
    fig = viz.sequence_diagram(cluster, max_messages=80)
    assert 0 < len(fig.frames) <= 100
    arrows = [sum(1 for x in f.data[0].x if x is None) for f in fig.frames]   # API requests
    assert arrows == sorted(arrows)
    assert "80 of" in fig.layout.title.text
    assert not viz.sequence_diagram(cluster, animate=False).frames


def test_sequence_diagram_of_a_pod_story_reaches_the_runtime(cluster):
    pod = pods_of(cluster)[0]
    story = viz.pod_story(cluster, pod)
    fig = viz.sequence_diagram(cluster, include=story)
    names = lanes(fig)
    assert names[0] == "kubectl" and names[-1].startswith("containerd-")
    labels = next(t for t in fig.data if t.name == "labels").text
    assert "RunPodSandbox" in labels and "StartContainer" in labels
    assert labels[0].startswith("POST deployments")


def test_sequence_diagram_draws_faults_and_dropped_messages():
    c = deployed()
    c.partition(["worker-1"], ["control-plane"])
    c.run(15)
    fig = viz.sequence_diagram(c, start=30, include=lambda r: "worker-1" in r.target
                               or "worker-1" in r.source or r.kind == "fault")
    faults = next(t for t in fig.data if t.name == "fault")
    assert any("partition" in text for text in faults.text)
    dropped = next(t for t in fig.data if t.name == CATEGORIES["dropped"])
    assert "x" in dropped.marker.symbol


def test_sequence_diagram_component_filter(cluster):
    fig = viz.sequence_diagram(cluster, components=["kube-apiserver-1", "kubelet"])
    assert {role(n) for n in lanes(fig)} <= {"kube-apiserver", "kubelet", "container runtime"}


# ---------------------------------------------------------------------- pods
def test_first_path_order(cluster):
    for pod in pods_of(cluster):
        node = cluster.get("Pod", pod)["spec"]["nodeName"]
        assert viz.first_path(cluster, pod) == [
            "kubectl", "kube-apiserver-1", "etcd-1", "kube-controller-manager", "kube-scheduler",
            f"kubelet-{node}", f"containerd-{node}"]
    assert viz.first_path(cluster, "default/" + pod, by_role=True) == [
        "kubectl", "kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler",
        "kubelet", "container runtime"]


def test_first_path_of_a_bare_pod_skips_the_controller_manager():
    c = kubesim.Cluster(seed=1)
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\n"
            "spec: {containers: [{name: c, image: 'nginx:1.25'}]}\n")
    c.run(20)
    assert viz.first_path(c, "solo", by_role=True) == [
        "kubectl", "kube-apiserver", "etcd", "kube-scheduler", "kubelet", "container runtime"]
    with pytest.raises(KeyError):
        viz.first_path(c, "nope")


def test_pod_timeline_rows_and_phases(cluster):
    fig = viz.pod_timeline(cluster)
    running = next(t for t in fig.data if t.name == "Running")
    assert len(set(running.y)) == 3
    assert all(label.split(" · ")[1].startswith("worker") for label in running.y)
    assert viz.pod_timeline(cluster, namespace="kube-system").data[0].y in ((), None)


def test_pod_timeline_marks_faults_and_node_down(crashed):
    fig = viz.pod_timeline(crashed)
    assert any("crash worker-1" in (a.text or "") for a in fig.layout.annotations)
    down = next(t for t in fig.data if t.name == "node down")
    assert down.y and all("worker-1" in row for row in down.y)


def test_pod_timeline_shows_the_replacement_after_eviction():
    c = deployed()
    c.crash("worker-1")
    c.run(400)
    fig = viz.pod_timeline(c)
    terminating = next(t for t in fig.data if t.name == "Terminating")
    assert any("worker-1" in row for row in terminating.y)
    rows = {row for t in fig.data for row in (t.y or ())}
    assert len(rows) == 4                                 # three originals + one replacement


def test_message_categories(cluster):
    cats = {category(r) for r in cluster.trace if r.kind == "message"}
    assert {"request", "reply", "watch", "etcd"} <= cats
