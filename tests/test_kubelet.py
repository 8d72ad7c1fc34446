"""kubelet and the container runtime: restarts, back-off, probes, image pulls, termination."""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed


def pod_manifest(name: str, container: str, restart: str = "Always", grace: int = 30,
                 image: str = "busybox:1.36") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: {restart}
  terminationGracePeriodSeconds: {grace}
  containers:
  - name: main
    image: {image}
{container}"""


def event_times(c, pod: str, reason: str) -> list[float]:
    """When kubelet emitted ``reason`` for ``pod`` (from the trace, one entry per occurrence)."""
    return [r.time for r in c.trace.filter(kind="event", reason=reason)
            if r.ref.get("object") == f"pod/{pod}"]


def status_of(c, pod: str) -> dict:
    return c.get("Pod", pod)["status"]["containerStatuses"][0]


def test_crash_loop_back_off_doubles_from_10s_to_5_minutes():
    c = kubesim.Cluster(seed=0)
    c.apply(pod_manifest("crasher", '    command: ["sh", "-c", "exit 1"]\n'))
    c.run(900)
    starts = event_times(c, "crasher", "Started")
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # each run lasts ~0.5 s, then kubelet waits its back-off before starting again
    expected = [0, 10, 20, 40, 80, 160, 300, 300]
    for gap, backoff in zip(gaps, expected):
        assert backoff <= gap <= backoff + 2.5, (gaps, expected)
    cs = status_of(c, "crasher")
    assert cs["restartCount"] == len(starts) - 1
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert "CrashLoopBackOff" in c.kubectl("get pod crasher") or "Running" in c.kubectl("get pod crasher")
    assert any("Back-off restarting failed container main" in e["message"]
               for e in c.list("Event", "default") if e["reason"] == "BackOff")


def test_back_off_starts_over_after_ten_minutes_of_healthy_running():
    """kubelet forgets a container's back-off once it has run for more than 10 minutes
    (twice the 5-minute maximum) since its last restart."""
    c = kubesim.Cluster(seed=4)
    c.apply(pod_manifest("flaky", "", image="nginx:1.25"))
    c.run(10)

    def crash_and_time_restart() -> float:
        crashed = c.now
        before = len(event_times(c, "flaky", "Started"))
        c.app("flaky").crash()
        assert c.run_until(lambda cl: len(event_times(cl, "flaky", "Started")) > before, timeout=400)
        return event_times(c, "flaky", "Started")[-1] - crashed

    quick = [crash_and_time_restart() for _ in range(3)]
    assert quick == pytest.approx([0, 10, 20], abs=1.5)
    c.run(9 * 60)                          # 9 minutes: the back-off is remembered
    assert crash_and_time_restart() == pytest.approx(40, abs=1.5)
    c.run(11 * 60)                         # 11 minutes: it has expired
    assert [crash_and_time_restart() for _ in range(2)] == pytest.approx([0, 10], abs=1.5)
    assert status_of(c, "flaky")["restartCount"] == 6


def test_image_that_does_not_exist_goes_to_image_pull_back_off():
    c = kubesim.Cluster(seed=1)
    c.apply(pod_manifest("typo", "", image="nginx:9.99"))
    c.run(3)
    assert status_of(c, "typo")["state"]["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")
    c.run(90)
    assert status_of(c, "typo")["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert "ImagePullBackOff" in c.kubectl("get pod typo")
    messages = [e["message"] for e in c.list("Event", "default") if e["reason"] == "Failed"]
    assert any('failed to resolve reference "docker.io/library/nginx:9.99"' in m and m.endswith("not found")
               for m in messages)
    pulls = event_times(c, "typo", "Pulling")
    gaps = [b - a for a, b in zip(pulls, pulls[1:])]
    assert gaps[:3] == pytest.approx([11, 21, 41], abs=1.5)    # 1 s of ErrImagePull + back-off


def test_liveness_probe_failure_restarts_the_container():
    c = kubesim.Cluster(seed=2)
    c.apply(pod_manifest("web", """    livenessProbe:
      httpGet:
        path: /healthz
        port: 80
      periodSeconds: 5
      failureThreshold: 3
""", image="nginx:1.25"))
    c.run(10)
    c.app("web").hang()
    hung_at = c.now
    c.run(30)
    killings = [r for r in c.trace.filter(kind="event", reason="Killing") if r.ref.get("object") == "pod/web"]
    assert killings and "failed liveness probe, will be restarted" in killings[0].summary
    assert 10 <= killings[0].time - hung_at <= 16     # 3 failures, 5 s apart
    assert status_of(c, "web")["restartCount"] == 1
    assert status_of(c, "web")["ready"] is True       # a fresh program answers again


def test_readiness_probe_gates_ready_without_restarting():
    c = kubesim.Cluster(seed=3)
    c.apply(seed.DEPLOYMENT.replace("        - containerPort: 80\n", """        - containerPort: 80
        readinessProbe:
          httpGet:
            path: /ready
            port: 80
          periodSeconds: 2
          failureThreshold: 2
"""))
    c.run(15)
    assert c.get("Deployment", "web-app")["status"]["readyReplicas"] == 3
    pod = sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))[0]
    c.app(pod).fail_readiness()
    c.run(8)
    assert "0/1     Running" in c.kubectl(f"get pod {pod}")
    assert c.get("Deployment", "web-app")["status"]["readyReplicas"] == 2
    assert status_of(c, pod)["restartCount"] == 0
    c.app(pod).recover()
    c.run(5)
    assert c.get("Deployment", "web-app")["status"]["readyReplicas"] == 3


def test_startup_probe_holds_back_liveness_until_the_app_has_started():
    slow = """    env:
    - name: KUBESIM_STARTUP_SECONDS
      value: "25"
    startupProbe:
      httpGet:
        path: /healthz
        port: 80
      periodSeconds: 5
      failureThreshold: {threshold}
    livenessProbe:
      httpGet:
        path: /healthz
        port: 80
      periodSeconds: 5
"""
    c = kubesim.Cluster(seed=4)
    c.apply(pod_manifest("patient", slow.format(threshold=10), image="nginx:1.25"))
    c.run(20)
    assert status_of(c, "patient")["started"] is False
    c.run(20)
    assert status_of(c, "patient")["started"] is True
    assert status_of(c, "patient")["restartCount"] == 0
    impatient = kubesim.Cluster(seed=4)
    impatient.apply(pod_manifest("impatient", slow.format(threshold=2), image="nginx:1.25"))
    impatient.run(40)
    assert status_of(impatient, "impatient")["restartCount"] >= 1
    assert any("failed startup probe" in r.summary for r in impatient.trace.filter(kind="event", reason="Killing"))


def test_graceful_termination_sends_sigkill_after_the_grace_period():
    stubborn = """    env:
    - name: KUBESIM_SHUTDOWN_SECONDS
      value: "60"
"""
    c = kubesim.Cluster(seed=5)
    c.apply(pod_manifest("stubborn", stubborn, grace=5, image="nginx:1.25"))
    c.run(10)
    t0 = c.now
    assert c.kubectl("delete pod stubborn") == 'pod "stubborn" deleted'
    assert 5 <= c.now - t0 <= 7, "kubectl delete waits; kubelet kills after 5 s"
    ended = [r for r in c.trace.filter(kind="object", name="stubborn") if r.ref["verb"] == "MODIFIED"]
    assert ended[-1].ref["state"]["terminating"]
    polite = kubesim.Cluster(seed=5)
    polite.apply(pod_manifest("polite", "", grace=30, image="nginx:1.25"))
    polite.run(10)
    t0 = polite.now
    polite.kubectl("delete pod polite")
    assert polite.now - t0 < 2, "nginx exits on SIGTERM at once"


@pytest.mark.parametrize("policy, code, phase, restarts", [
    ("Never", 0, "Succeeded", 0),
    ("Never", 3, "Failed", 0),
    ("OnFailure", 0, "Succeeded", 0),
])
def test_restart_policy(policy, code, phase, restarts):
    c = kubesim.Cluster(seed=6)
    c.apply(pod_manifest("job", f'    command: ["sh", "-c", "exit {code}"]\n', restart=policy))
    c.run(20)
    pod = c.get("Pod", "job")
    assert pod["status"]["phase"] == phase
    assert status_of(c, "job")["restartCount"] == restarts
    expected = "Completed" if code == 0 else "Error"
    assert expected in c.kubectl("get pod job")


def test_on_failure_restarts_a_failing_container():
    c = kubesim.Cluster(seed=7)
    c.apply(pod_manifest("job", '    command: ["sh", "-c", "exit 2"]\n', restart="OnFailure"))
    c.run(20)
    assert status_of(c, "job")["restartCount"] >= 2


def test_kubelet_renews_its_lease_every_10_seconds():
    c = kubesim.Cluster(seed=8)
    c.run(61)
    renewals = [r for r in c.trace.filter(kind="object", name="worker-1") if r.ref["object_kind"] == "Lease"]
    assert len(renewals) == 7            # created at 0 s, renewed at 10, 20 … 60 s
    node = c.get("Node", "worker-1")
    assert {x["type"]: x["status"] for x in node["status"]["conditions"]} == {
        "MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False", "Ready": "True"}
