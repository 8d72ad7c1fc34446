"""kubelet's probers: startup, liveness and readiness probes (pkg/kubelet/prober/worker.go).

One prober runs per (container, probe kind).  Every ``periodSeconds`` (after
``initialDelaySeconds``) it asks the container's program; ``failureThreshold`` failures in
a row flip the result to failure, ``successThreshold`` successes to success.

* **startup** — until it succeeds, liveness and readiness are not probed and the container
  is not ``started``; too many failures restart the container.
* **liveness** — too many failures: kubelet kills the container ("failed liveness probe,
  will be restarted") and restartPolicy brings it back.
* **readiness** — decides ``ready``: an unready container makes its Pod unready, and a
  Service stops sending it traffic.  Readiness starts as *not ready*.
"""
from __future__ import annotations

# k8s.io/api/core/v1 Probe defaults (pkg/apis/core/v1/defaults.go)
DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
            "successThreshold": 1, "failureThreshold": 3}
KINDS = ("startup", "liveness", "readiness")


def probe_settings(probe: dict) -> dict:
    """A probe's timing with Kubernetes' defaults filled in."""
    return {**DEFAULTS, **{k: v for k, v in probe.items() if k in DEFAULTS and v is not None}}


def initial_results(spec: dict) -> dict:
    """``{"started": …, "ready": …}`` for a container that has just started."""
    return {"started": "startupProbe" not in spec,
            "ready": "readinessProbe" not in spec}


def run_prober(kubelet, pod: dict, spec: dict, container, worker: dict, kind: str):
    """The prober process for one probe of one container (a generator).

    It stops when the container stops or is replaced.  Results go to
    ``worker["probes"][name]`` and are reported with the Pod's status.
    """
    env = kubelet.env
    name = spec["name"]
    probe = spec[f"{kind}Probe"]
    cfg = probe_settings(probe)
    field = f"spec.containers{{{name}}}"
    results = worker["probes"][name]
    title = kind.capitalize()

    def current() -> bool:
        return worker["containers"].get(name) is container and container.exit_code is None

    if cfg["initialDelaySeconds"]:
        yield env.timeout(cfg["initialDelaySeconds"])
    successes = failures = 0
    while current():
        if kind != "startup" and not results["started"]:
            yield env.timeout(cfg["periodSeconds"])
            continue
        ok, message = container.app.probe(probe, kind)
        if not ok and "deadline exceeded" in message:
            yield env.timeout(cfg["timeoutSeconds"])      # a hung program: the probe times out
            if not current():
                return
        if ok:
            successes, failures = successes + 1, 0
        else:
            successes, failures = 0, failures + 1
            kubelet.recorder.event(pod, "Warning", "Unhealthy", f"{title} probe failed: {message}", field)
        if kind == "readiness":
            if ok and successes >= cfg["successThreshold"] and not results["ready"]:
                results["ready"] = True
                yield from kubelet.report(pod, worker)
            elif not ok and failures >= cfg["failureThreshold"] and results["ready"]:
                results["ready"] = False
                yield from kubelet.report(pod, worker)
        elif kind == "startup" and ok and successes >= cfg["successThreshold"]:
            results["started"] = True
            yield from kubelet.report(pod, worker)
            return
        elif not ok and failures >= cfg["failureThreshold"]:
            # liveness or startup failed: kill the container, restartPolicy decides the rest
            kubelet.recorder.event(pod, "Normal", "Killing",
                                   f"Container {name} failed {kind} probe, will be restarted", field)
            grace = probe.get("terminationGracePeriodSeconds",
                              pod["spec"].get("terminationGracePeriodSeconds", 30))
            yield from kubelet.runtime.stop_container(container, grace)
            return
        yield env.timeout(cfg["periodSeconds"])
