"""Lesson 01 — cluster architecture: the scenario and the exercise checks.

The exercises' check cells call :func:`check_pod_path` and :func:`check_finance_prod`;
both print ✅/❌ lines through :mod:`kubesim.checks` and return a truthy/falsy result.
"""
from __future__ import annotations

from typing import Sequence

from .. import seed
from ..checks import checking
from ..cluster import Cluster
from .common import apply_to_fresh_cluster

#: How learners may name each role (lower-cased, spaces and dashes ignored).
ALIASES = {
    "kubectl": "kubectl",
    "kubeapiserver": "kube-apiserver", "apiserver": "kube-apiserver",
    "etcd": "etcd",
    "kubecontrollermanager": "kube-controller-manager", "controllermanager": "kube-controller-manager",
    "controllers": "kube-controller-manager",
    "kubescheduler": "kube-scheduler", "scheduler": "kube-scheduler",
    "kubelet": "kubelet",
    "containerruntime": "container runtime", "runtime": "container runtime",
    "containerd": "container runtime", "crio": "container runtime", "cri": "container runtime",
}


def normalize(name: str) -> str:
    """``"Kube-APIServer"``, ``"kube-apiserver-1"``, ``"containerd"`` -> the role name."""
    key = "".join(ch for ch in str(name).lower() if ch.isalpha())
    return ALIASES.get(key, str(name))


def web_app_story(seed_value: int = 0, seconds: float = 10.0) -> Cluster:
    """A fresh cluster where the seed's ``web-app`` Deployment was applied and ran ``seconds``."""
    c = Cluster(seed=seed_value)
    c.apply(seed.DEPLOYMENT)
    c.run(seconds)
    return c


def expected_pod_path(cluster: Cluster) -> list[str]:
    """The roles the first ``web-app`` Pod passed through, read from the trace."""
    from ..viz import first_path
    pod = sorted(p["metadata"]["name"] for p in cluster.list("Pod", "default"))[0]
    return first_path(cluster, pod, by_role=True)


def check_pod_path(answer: Sequence[str]):
    """Exercise (a): ``answer`` lists the components a new Pod passes through, in order."""
    with checking("the order a new Pod passes through the cluster") as c:
        if not isinstance(answer, (list, tuple)) or not all(isinstance(a, str) for a in answer):
            return c.check(False, "", "give a list of component names, e.g. "
                                      "['kubectl', 'kube-apiserver', ...]")
        given = [normalize(a) for a in answer]
        want = expected_pod_path(web_app_story())
        unknown = [a for a, g in zip(answer, given) if g not in want]
        if unknown:
            return c.check(False, "", f"{unknown[0]!r} is not one of the components the trace shows; "
                                      f"use names like {', '.join(want[:3])} …")
        missing = [w for w in want if w not in given]
        if missing:
            return c.check(False, "", f"something is missing: which component comes in with "
                                      f"{'the stored Deployment' if missing[0] != 'kubectl' else 'your command'}? "
                                      f"({len(missing)} missing)")
        if given != want:
            first_wrong = next(i for i, (g, w) in enumerate(zip(given, want)) if g != w)
            return c.check(False, "", f"the first {first_wrong} are in the right order, then the "
                                      f"trace shows {want[first_wrong]!r} acting before {given[first_wrong]!r}. "
                                      "Scrub the sequence diagram again.")
        c.check(True, "your order matches the trace: " + " → ".join(want))
    return c


def check_finance_prod(manifest: str):
    """Exercise (b): the Namespace and a Deployment that reach 2/2 Running in ``finance-prod``."""
    with checking("your finance-prod manifests") as c:
        cluster = apply_to_fresh_cluster(c, manifest, "`manifest` should be the YAML text of your two documents")
        if cluster is None:
            return c
        if not c.check(cluster.get("Namespace", "finance-prod") is not None,
                       "the finance-prod Namespace exists",
                       "add a Namespace document named finance-prod (kind: Namespace)"):
            return c
        deps = cluster.list("Deployment", "finance-prod")
        if not c.check(len(deps) == 1, "there is one Deployment in finance-prod",
                       "put the Deployment in the namespace: metadata.namespace: finance-prod"
                       if not deps else "keep exactly one Deployment in finance-prod"):
            return c
        dep = deps[0]
        if not c.check(dep["spec"].get("replicas") == 2, "it asks for 2 replicas",
                       f"spec.replicas is {dep['spec'].get('replicas')}; the task asks for 2"):
            return c
        cluster.run(60)
        pods = [p for p in cluster.list("Pod", "finance-prod")
                if not p["metadata"].get("deletionTimestamp")]
        running = [p for p in pods if p.get("status", {}).get("phase") == "Running"]
        ready = cluster.get("Deployment", dep["metadata"]["name"], "finance-prod")["status"].get(
            "readyReplicas", 0)
        table = cluster.kubectl("get pods -n finance-prod")
        c.check(len(running) == 2 and ready == 2, "after 60 s: 2/2 Pods Running and ready",
                f"after 60 s the Pods are not Running:\n{table}\n"
                "look at `kubectl describe pod` events (is the image name right?)")
    return c
