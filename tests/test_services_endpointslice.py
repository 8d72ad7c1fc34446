"""The EndpointSlice controller: ≤ 100 endpoints per slice, ready/serving/terminating, placeholders."""
from __future__ import annotations

import pytest

from kubesim import seed
from kubesim.controllers.endpointslice import (EndpointSliceController, pod_to_endpoint,
                                               should_be_in_endpoints)
from kubesim.lessons import lesson07

SERVICE = {"metadata": {"name": "web", "namespace": "default", "uid": "u-1", "labels": {"tier": "fe"}},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}}


def pod(name, ip="10.244.1.5", ready=True, deleting=False, phase="Running"):
    p = {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"app": "web"}},
         "spec": {"nodeName": "worker-1", "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
         "status": {"phase": phase, "podIP": ip,
                    "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}
    if deleting:
        p["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:10Z"
    return p


@pytest.mark.parametrize("ready, deleting, want", [
    (True, False, {"ready": True, "serving": True, "terminating": False}),
    (False, False, {"ready": False, "serving": False, "terminating": False}),
    (True, True, {"ready": False, "serving": True, "terminating": True}),
    (False, True, {"ready": False, "serving": False, "terminating": True}),
])
def test_conditions_follow_the_pod(ready, deleting, want):
    node = {"metadata": {"labels": {"topology.kubernetes.io/zone": "zone-a"}}}
    ep = pod_to_endpoint(SERVICE, pod("a", ready=ready, deleting=deleting), node)
    assert ep["conditions"] == want
    assert ep["addresses"] == ["10.244.1.5"] and ep["zone"] == "zone-a" and ep["nodeName"] == "worker-1"
    assert ep["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}


def test_pods_without_ip_or_finished_are_left_out():
    assert should_be_in_endpoints(pod("a"))
    assert not should_be_in_endpoints(pod("a", ip=""))
    assert not should_be_in_endpoints(pod("a", phase="Succeeded"))
    assert should_be_in_endpoints(pod("a", deleting=True))      # terminating Pods stay, marked


def _desired(n):
    ports = [{"name": "", "port": 80, "protocol": "TCP"}]
    eps = {f"10.244.{i // 200}.{i % 200 + 2}": pod_to_endpoint(SERVICE, pod(f"p{i}", f"10.244.{i // 200}.{i % 200 + 2}"), None)
           for i in range(n)}
    return {(("", 80, "TCP"),): (ports, eps)}


def _plan(slices, desired):
    controller = object.__new__(EndpointSliceController)
    return controller.plan(SERVICE, slices, desired)


def test_at_most_100_endpoints_per_slice():
    creates, updates, deletes = _plan([], _desired(250))
    assert [len(s["endpoints"]) for s in creates] == [100, 100, 50]
    assert not updates and not deletes
    labels = creates[0]["metadata"]["labels"]
    assert labels == {"tier": "fe", "kubernetes.io/service-name": "web",
                      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert creates[0]["metadata"]["ownerReferences"][0]["kind"] == "Service"


def test_existing_slices_updated_in_place_and_filled_before_new_ones():
    creates, _, _ = _plan([], _desired(150))
    slices = [dict(s, metadata=dict(s["metadata"], name=f"web-{i}", resourceVersion="5"))
              for i, s in enumerate(creates)]
    creates, updates, deletes = _plan(slices, _desired(180))   # 30 more: room in the second slice
    assert not creates and not deletes
    assert [len(s["endpoints"]) for s in updates] == [80]
    assert updates[0]["metadata"]["name"] == "web-1"


def test_no_pods_means_one_placeholder_slice():
    creates, updates, deletes = _plan([], {})
    assert len(creates) == 1 and creates[0]["endpoints"] == [] and creates[0]["ports"] == []
    placeholder = dict(creates[0], metadata=dict(creates[0]["metadata"], name="web-x", resourceVersion="3"))
    assert _plan([placeholder], {}) == ([], [], [])               # kept as it is
    creates, updates, deletes = _plan([placeholder], _desired(3))  # reused when Pods appear
    assert not creates and not deletes
    assert updates[0]["metadata"]["name"] == "web-x" and len(updates[0]["endpoints"]) == 3


# ---------------------------------------------------------------------- in a running cluster
@pytest.fixture(scope="module")
def cluster():
    return lesson07.web_story(probe=True)


def slice_endpoints(c, name="web-service"):
    return [e for s in c.list("EndpointSlice", "default", selector=f"kubernetes.io/service-name={name}")
            for e in s.get("endpoints") or []]


def test_slice_lists_the_ready_pods(cluster):
    eps = slice_endpoints(cluster)
    assert len(eps) == 3 and all(e["conditions"]["ready"] for e in eps)
    assert {e["targetRef"]["name"] for e in eps} == set(lesson07.web_pods(cluster))


def test_failed_readiness_marks_the_endpoint_not_ready(cluster):
    victim = lesson07.web_pods(cluster)[0]
    cluster.app(victim).fail_readiness()
    cluster.run(5)
    cond = {e["targetRef"]["name"]: e["conditions"] for e in slice_endpoints(cluster)}
    assert cond[victim] == {"ready": False, "serving": False, "terminating": False}
    cluster.app(victim).recover()
    cluster.run(3)
    assert {e["targetRef"]["name"]: e["conditions"] for e in slice_endpoints(cluster)}[victim]["ready"]


def test_scaling_and_deleting_the_service(cluster):
    cluster.kubectl("scale deployment web-app --replicas=5")
    cluster.run(15)
    assert len(slice_endpoints(cluster)) == 5
    cluster.kubectl("scale deployment web-app --replicas=0")
    cluster.run(15)
    slices = cluster.list("EndpointSlice", "default", selector="kubernetes.io/service-name=web-service")
    assert len(slices) == 1 and not slices[0].get("endpoints")       # the placeholder
    cluster.kubectl("delete service web-service")
    cluster.run(2)
    assert not cluster.list("EndpointSlice", "default", selector="kubernetes.io/service-name=web-service")


def test_kubectl_shows_the_slices():
    c = lesson07.web_story(service=seed.SERVICE.replace("app: web\n  ports", "app: nothing\n  ports"))
    out = c.kubectl("get endpointslices")
    line = next(l for l in out.splitlines() if l.startswith("web-service-"))
    assert "<unset>" in line
    # formatEndpointSlices joins no addresses: kubectl prints an empty value for a placeholder
    assert "\nEndpoints:                \n" in c.kubectl("describe service web-service")
    c2 = lesson07.web_story()
    desc = c2.kubectl("describe service web-service")
    ips = sorted(p["status"]["podIP"] for p in c2.list("Pod", "default", selector="app=web"))
    assert "Endpoints:" in desc and all(f"{ip}:80" in desc for ip in ips)
