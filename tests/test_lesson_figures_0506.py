"""Lessons 05 and 06: the figures and numbers are read from the trace, and tell the right story."""
from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

import kubesim
from kubesim import seed
from kubesim.lessons import lesson05 as L5
from kubesim.lessons import lesson06 as L6
from kubesim.trace import Trace


def replayed(cluster) -> Trace:
    """The cluster's trace as a bare Trace, as if loaded from a file (no live cluster)."""
    trace = Trace()
    trace.records.extend(cluster.trace.records)
    return trace


def frames_ok(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert len(fig.frames) <= 100
    json.dumps(fig.to_plotly_json(), default=str)   # serialisable for the notebook


# ====================================================================== lesson 05
@pytest.fixture(scope="module")
def story():
    """Delete two Pods, scale 3 → 10 → 4, scale to 10, roll out nginx:1.26, roll back."""
    c = kubesim.Cluster(seed=0)
    c.apply(seed.DEPLOYMENT)
    c.run(10)
    marks = {}
    names = sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))
    marks["deleted"] = c.now
    c.kubectl(f"delete pod {names[0]} {names[1]} --wait=false")
    c.run(5)
    marks["scaled"] = c.now
    c.kubectl("scale deployment web-app --replicas=10")
    c.run(0.3)
    marks["down"] = c.now
    c.kubectl("scale deployment web-app --replicas=4")
    c.run(2)
    c.kubectl("scale deployment web-app --replicas=10")
    c.run(10)
    marks["rollout"] = c.now
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    c.kubectl("rollout status deployment/web-app")
    c.run(2)
    marks["undo"] = c.now
    c.kubectl("rollout undo deployment/web-app")
    c.kubectl("rollout status deployment/web-app")
    c.run(2)
    return c, marks


def test_deleted_pods_are_replaced_within_milliseconds(story):
    c, m = story
    history = L5.replica_history(c, start=m["deleted"], end=m["scaled"])
    assert history[0].pods == 3 and history[0].desired == 3
    assert min(s.pods for s in history) >= 1
    assert min(s.ready for s in history) == 1
    assert history[-1].ready == 3 and history[-1].terminating == 0
    created = [t for b in L5.create_batches(c, m["deleted"], m["scaled"]) for t in b.replies]
    assert len(created) == 2 and max(created) - m["deleted"] < 0.1


def test_slow_start_batches_are_1_2_4(story):
    c, m = story
    batches = L5.create_batches(c, m["scaled"], m["down"])
    assert [b.size for b in batches] == [1, 2, 4]
    assert [len(b.events) for b in batches] == [1, 2, 4]
    assert all(b.sent <= t <= b.done + 0.002 for b in batches for t in b.events)
    assert all(a.done <= b.sent + 1e-9 for a, b in zip(batches, batches[1:])), "a batch waits for the previous"
    change = L5.rs_spec_change(c, m["scaled"])
    assert change[2:] == (3, 10)


def test_scale_down_removes_the_pods_that_are_not_running(story):
    c, m = story
    pods = L5.pod_states_at(c, m["down"])
    gone = L5.deleted_by_controller(c, m["down"], m["down"] + 1)
    assert len(pods) == 10 and len(gone) == 6
    assert all(pods[name]["phase"] != "Running" for name in gone)
    table = L5.scale_down_table(c, m["down"])
    assert table.count("deleted") == 6 and table.count("kept") == 4


def test_rollout_of_ten_uses_the_whole_surge_and_budget(story):
    c, m = story
    n = L5.rollout_numbers(c, m["rollout"], m["undo"])
    assert (n.replicas, n.peak_pods, n.min_available) == (10, 13, 8)
    assert n.min_ready >= 8 and n.peak_with_terminating >= n.peak_pods
    assert n.finished is not None and 0 < n.duration < 30


def test_rollback_reuses_the_old_replicaset(story):
    c, m = story
    sets = L5.rs_names(c)
    assert [img for _, img in sets] == ["nginx:1.25", "nginx:1.26"]
    n = L5.rollout_numbers(c, m["undo"], c.now)
    assert n.finished is not None
    last = L5.replica_history(c, start=m["undo"])[-1]
    assert last.per_rs == {sets[0][0]: 10}


def test_status_trails_spec_and_conflicts_are_counted(story):
    c, m = story
    new_rs = L5.rs_names(c)[1][0]
    spec_at, status_at = L5.status_lag(c, new_rs, m["rollout"])
    assert 0 < status_at - spec_at < 0.5
    assert all(isinstance(v, int) and v > 0 for v in L5.conflicts(c).values())


def test_lesson05_figures_are_drawn_from_the_trace_alone(story):
    c, m = story
    live = L5.desired_vs_actual(c, start=m["deleted"] - 1, end=m["scaled"])
    bare = L5.desired_vs_actual(replayed(c), start=m["deleted"] - 1, end=m["scaled"])
    frames_ok(live)
    assert live.to_plotly_json() == bare.to_plotly_json()
    names = [t.name for t in live.data]
    assert names[:3] == ["desired (spec.replicas in etcd)", "Pods (not terminating)", "Ready Pods"]
    roll = L5.rollout_figure(replayed(c), m["rollout"] - 0.5, m["undo"])
    frames_ok(roll)
    texts = " ".join(a.text for a in roll.layout.annotations)
    assert "10 + 3 = 13 Pods" in texts and "10 − 2 = 8 available" in texts
    assert any("nginx:1.26" in (t.name or "") for t in roll.data)
    slow = L5.slow_start_figure(replayed(c), m["scaled"], m["down"])
    assert [t.name for t in slow.data] == ["batch 1: 1 request", "batch 2: 2 requests", "batch 3: 4 requests"]


def test_an_empty_window_still_draws():
    c = kubesim.Cluster(seed=0)
    c.run(1)
    frames_ok(L5.desired_vs_actual(c, start=0, end=1))
    assert L5.replica_history(c)[0].desired == 0


# ====================================================================== lesson 06
def test_pod_steps_follow_the_kubelet():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.DEPLOYMENT)
    c.run(5)
    pod = sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))[0]
    steps = L6.pod_steps(c, pod)
    whats = [s.what.split(":")[0].split(" ")[0] for s in steps]
    assert whats == ["kube-scheduler", "kubelet", "status", "RunPodSandbox", "PullImage", "CreateContainer",
                     "StartContainer", "status"]
    assert all(s.took is not None and s.took >= 0 for s in steps[1:])
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    table = L6.steps_table(steps)
    assert table.splitlines()[0].split() == ["STEP", "WHO", "AT", "TOOK"]


def test_probe_timeline_shows_each_probe_kind():
    c = kubesim.Cluster(seed=2)
    c.apply("""\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.25
    readinessProbe:
      httpGet: {path: /ready, port: 80}
      periodSeconds: 2
    livenessProbe:
      httpGet: {path: /healthz, port: 80}
      periodSeconds: 5
""")
    c.run(10)
    c.app("web").fail_readiness()
    c.run(10)
    c.app("web").hang()
    c.run(30)
    fig = L6.probe_timeline(replayed(c), "web", end=c.now, notes=[(10, "503")])
    rows = {t.name: len(t.x) for t in fig.data if t.name}
    assert rows["readiness probe failed"] > 0 and rows["liveness probe failed"] >= 3
    assert rows["startup probe failed"] == 0 and rows["container killed"] == 1
    assert rows["container started"] == 2


@pytest.fixture(scope="module")
def crash_loop():
    c = kubesim.Cluster(seed=0)
    c.apply("""\
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "exit 1"]
---
apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  containers:
  - name: main
    image: nginx:1.72
""")
    c.run(900)
    return c


def test_back_off_doubles_from_10_s_to_5_minutes(crash_loop):
    crash = [w.seconds for w in L6.backoff_waits(crash_loop, "crasher")]
    pull = [w.seconds for w in L6.backoff_waits(crash_loop, "typo", "pull")]
    want = [10, 20, 40, 80, 160, 300]
    assert crash[:6] == pytest.approx(want, abs=1.0)
    assert pull[:6] == pytest.approx(want, abs=0.1)
    assert [L6.expected_backoff(n) for n in range(1, 8)] == [10, 20, 40, 80, 160, 300, 300]


def test_backoff_figure_from_a_bare_trace(crash_loop):
    fig = L6.backoff_figure(replayed(crash_loop), "crasher", "typo", end=crash_loop.now)
    frames_ok(fig)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["CrashLoopBackOff waits", "ImagePullBackOff waits"]
    assert max(bars[0].y) == pytest.approx(300, abs=1)


def test_graceful_termination_sigterm_then_sigkill():
    c = kubesim.Cluster(seed=0)
    c.apply("""\
apiVersion: v1
kind: Pod
metadata:
  name: polite
spec:
  containers:
  - name: web
    image: nginx:1.25
---
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: web
    image: nginx:1.25
    env:
    - name: KUBESIM_SHUTDOWN_SECONDS
      value: "60"
""")
    c.run(10)
    polite = L6.watch_termination(c, "polite")
    stubborn = L6.watch_termination(c, "stubborn")
    assert polite["exit_code"] == 0 and polite["gone_after"] < 1
    assert stubborn["exit_code"] == 137 and 10 <= stubborn["stopped_after"] < 11
    assert stubborn["gone_after"] >= stubborn["stopped_after"]


@pytest.fixture(scope="module")
def dead_node():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.DEPLOYMENT)
    c.run(33)
    victim = c.get("Pod", sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))[0])["spec"]["nodeName"]
    c.crash(victim)
    c.run(400)
    return c, victim


def test_node_failure_follows_v1_33_timings(dead_node):
    c, victim = dead_node
    f = L6.node_failure_numbers(c, victim)
    assert 0 <= f.crashed - f.last_renewal <= 10.5
    assert f.renew_time == int(f.last_renewal)               # renewTime is stored in whole seconds
    assert 50 <= f.not_ready - f.renew_time <= 55.1          # grace period + at most one monitor period
    assert f.tainted - f.not_ready < 0.1
    assert len(f.evicted) == 1 and 299 <= f.evicted[0][0] - f.tainted <= 301
    assert f.replaced is not None and f.replaced - f.evicted[0][0] < 5
    assert f.stuck == [f.evicted[0][1]]
    report = L6.node_failure_report(f)
    assert "after that renewTime" in report and "still Terminating" in report


def test_node_failure_figure_from_a_bare_trace(dead_node):
    c, victim = dead_node
    fig = L6.node_failure_figure(replayed(c), victim, end=c.now)
    frames_ok(fig)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "without a heartbeat (grace period 50 s)" in texts and "tolerationSeconds" in texts
    rows = list(fig.layout.yaxis.categoryarray)
    assert f"{victim}: Lease renewals" in rows and len([r for r in rows if r.startswith("web-app-")]) == 4
