"""Deployments: rolling updates within their bounds, Recreate, rollback, progress deadline."""
from __future__ import annotations

import math

import pytest

import kubesim
from kubesim import seed
from kubesim.api.podutil import is_pod_ready
from engine_helpers import running


def deployment(replicas: int, strategy: str = "") -> str:
    text = seed.DEPLOYMENT.replace("replicas: 3", f"replicas: {replicas}")
    if strategy:
        text = text.replace("spec:\n  replicas", f"spec:\n{strategy}  replicas", 1)
    return text


def rolling(surge, unavailable) -> str:
    q = lambda v: f'"{v}"' if isinstance(v, str) else str(v)
    return (f"  strategy:\n    rollingUpdate:\n      maxSurge: {q(surge)}\n"
            f"      maxUnavailable: {q(unavailable)}\n")


def resolve(value, replicas: int, round_up: bool) -> int:
    if isinstance(value, str):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return value


def watch_rollout(c, replicas: int) -> tuple[int, int, int]:
    """Sample a rollout every 50 ms for 20 s: (peak sum of ReplicaSet replicas, lowest
    Deployment availableReplicas, lowest number of Ready Pods not being deleted)."""
    peak, low, low_ready = 0, replicas, replicas
    for _ in range(400):
        c.run(0.05)
        rss = c.list("ReplicaSet", "default")
        peak = max(peak, sum(rs["spec"]["replicas"] for rs in rss))
        low = min(low, c.get("Deployment", "web-app")["status"].get("availableReplicas", 0))
        low_ready = min(low_ready, sum(is_pod_ready(p) for p in c.list("Pod", "default")
                                       if not p["metadata"].get("deletionTimestamp")))
    return peak, low, low_ready


@pytest.mark.parametrize("replicas, surge, unavailable", [
    (10, "25%", "25%"),      # the defaults: at most 13 Pods, at least 8 available
    (4, "25%", "25%"),
    (3, 1, 0),               # zero-downtime: surge first
    (5, 0, 1),               # no surge: replace one at a time
    (7, "50%", "10%"),
    (6, "100%", 0),
])
def test_rolling_update_stays_within_max_surge_and_max_unavailable(replicas, surge, unavailable):
    """The bounds as Kubernetes' own deployment tests check them (test/utils/deployment.go
    WaitForDeploymentStatusValid): the ReplicaSets' replicas never sum above
    replicas + maxSurge, and the Deployment's availableReplicas never below
    replicas - maxUnavailable."""
    max_surge = resolve(surge, replicas, True)
    max_unavailable = resolve(unavailable, replicas, False)
    if max_surge == 0 and max_unavailable == 0:
        max_unavailable = 1
    c = kubesim.Cluster(seed=replicas, nodes_per_zone=4)
    c.apply(deployment(replicas, rolling(surge, unavailable)))
    assert c.run_until(lambda cl: (cl.get("Deployment", "web-app")["status"]
                                   .get("availableReplicas", 0)) == replicas, timeout=60)
    assert c.kubectl("set image deployment/web-app web=nginx:1.26") == \
        "deployment.apps/web-app image updated"
    peak, low, low_ready = watch_rollout(c, replicas)
    assert peak <= replicas + max_surge
    assert low >= replicas - max_unavailable
    assert low_ready >= replicas - max_unavailable
    d = c.get("Deployment", "web-app")
    assert d["status"]["updatedReplicas"] == replicas == d["status"]["availableReplicas"]
    images = {p["spec"]["containers"][0]["image"] for p in c.list("Pod", "default")
              if not p["metadata"].get("deletionTimestamp")}
    assert images == {"nginx:1.26"}


@pytest.mark.parametrize("seed_value", range(8))
def test_default_rollout_of_ten_keeps_eight_pods_ready_at_every_moment(seed_value):
    """The issue's bound on the Pods themselves, not only on the status: at most 13 Pods
    wanted, never fewer than 8 Ready.  Seed 7 used to dip to 7 for a few milliseconds when
    the controller trusted an old ReplicaSet's lagging status (see settled_available)."""
    c = kubesim.Cluster(seed=seed_value, nodes_per_zone=4)
    c.apply(deployment(10))
    assert c.run_until(lambda cl: (cl.get("Deployment", "web-app")["status"]
                                   .get("availableReplicas", 0)) == 10, timeout=60)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    peak, low, low_ready = watch_rollout(c, 10)
    assert (peak, min(low, low_ready)) == (13, 8)


def test_default_rollout_of_ten_uses_the_whole_surge():
    c = kubesim.Cluster(seed=1, nodes_per_zone=4)
    c.apply(deployment(10))
    c.run(20)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    c.run(0.2)
    events = [e["message"] for e in c.list("Event", "default") if e["reason"] == "ScalingReplicaSet"]
    new_rs = [rs["metadata"]["name"] for rs in c.list("ReplicaSet", "default")
              if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"][0]
    assert f"Scaled up replica set {new_rs} from 0 to 3" in events      # 25% of 10, rounded up
    assert any(m.endswith("from 10 to 8") for m in events)               # 25% of 10, rounded down


def test_rollback_restores_the_previous_template_as_a_new_revision():
    c = kubesim.Cluster(seed=2)
    c.apply(deployment(3))
    c.run(10)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    out = c.kubectl("rollout status deployment/web-app")
    assert out.splitlines()[-1] == 'deployment "web-app" successfully rolled out'
    assert c.kubectl("rollout undo deployment/web-app") == "deployment.apps/web-app rolled back"
    c.kubectl("rollout status deployment/web-app")
    d = c.get("Deployment", "web-app")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    history = c.kubectl("rollout history deployment/web-app").splitlines()
    assert history[1:] == ["REVISION  CHANGE-CAUSE", "2         <none>", "3         <none>"]
    assert {p["spec"]["containers"][0]["image"] for p in c.list("Pod", "default")
            if not p["metadata"].get("deletionTimestamp")} == {"nginx:1.25"}


def test_rollout_status_prints_kubectls_progress_lines():
    c = kubesim.Cluster(seed=3, nodes_per_zone=4)
    c.apply(deployment(6))
    c.run(10)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    lines = c.kubectl("rollout status deployment/web-app").splitlines()
    assert lines[-1] == 'deployment "web-app" successfully rolled out'
    assert any(l.startswith('Waiting for deployment "web-app" rollout to finish: ') for l in lines)


def test_recreate_stops_every_old_pod_before_starting_new_ones():
    c = kubesim.Cluster(seed=4)
    c.apply(deployment(3, "  strategy:\n    type: Recreate\n"))
    c.run(10)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    overlap = False
    for _ in range(300):
        c.run(0.05)
        images = {p["spec"]["containers"][0]["image"] for p in c.list("Pod", "default")}
        overlap |= images == {"nginx:1.25", "nginx:1.26"}
    assert not overlap
    assert running(c) == 3


def test_progress_deadline_exceeded_for_an_image_that_never_pulls():
    c = kubesim.Cluster(seed=5)
    c.apply(deployment(3).replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 30\n  replicas", 1))
    c.run(10)
    c.kubectl("set image deployment/web-app web=nginx:9.99")
    c.run(60)
    cond = next(x for x in c.get("Deployment", "web-app")["status"]["conditions"]
                if x["type"] == "Progressing")
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert cond["message"].endswith("has timed out progressing.")
    assert c.kubectl("rollout status deployment/web-app") == \
        'error: deployment "web-app" exceeded its progress deadline'
    assert running(c) >= 2, "old Pods keep serving: maxUnavailable still holds"
    assert "ImagePullBackOff" in c.kubectl("get pods") or "ErrImagePull" in c.kubectl("get pods")


def test_pause_and_resume():
    c = kubesim.Cluster(seed=6)
    c.apply(deployment(3))
    c.run(10)
    assert c.kubectl("rollout pause deployment/web-app") == "deployment.apps/web-app paused"
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    c.run(10)
    assert len(c.list("ReplicaSet", "default")) == 1, "a paused Deployment does not roll out"
    assert c.kubectl("rollout resume deployment/web-app") == "deployment.apps/web-app resumed"
    c.kubectl("rollout status deployment/web-app")
    assert len(c.list("ReplicaSet", "default")) == 2
