"""kubesim.api.defaults: what ``kubectl get -o yaml`` shows that nobody wrote (v1.33)."""
import copy
from pathlib import Path

import pytest

from kubesim.api import defaults, manifests
from kubesim.api.resources import for_kind

SEED = Path(__file__).parent / "data" / "seed"


def defaulted(obj, kind):
    obj = copy.deepcopy(obj)
    defaults.apply_defaults(obj, for_kind(kind))
    return obj


def seed(name):
    return manifests.load(SEED / name)[0].obj


def test_seed_deployment():
    d = defaulted(seed("deployment.yaml"), "Deployment")
    spec = d["spec"]
    assert spec["replicas"] == 3                                  # written: kept
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Always" and pod["dnsPolicy"] == "ClusterFirst"
    assert pod["schedulerName"] == "default-scheduler" and pod["terminationGracePeriodSeconds"] == 30
    assert pod["securityContext"] == {}
    assert "enableServiceLinks" not in pod                        # SetDefaults_Pod only
    c = pod["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["terminationMessagePath"] == "/dev/termination-log" and c["terminationMessagePolicy"] == "File"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["resources"] == {}


def test_deployment_defaults_when_unset_and_recreate():
    d = defaulted({"spec": {}}, "Deployment")
    assert d["spec"]["replicas"] == 1
    r = defaulted({"spec": {"strategy": {"type": "Recreate"}}}, "Deployment")
    assert r["spec"]["strategy"] == {"type": "Recreate"}
    partial = defaulted({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 1}}}}, "Deployment")
    assert partial["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "25%"}
    assert defaulted({"spec": {"replicas": 0}}, "Deployment")["spec"]["replicas"] == 0


def test_replicaset_and_pod():
    assert defaulted({"spec": {}}, "ReplicaSet")["spec"]["replicas"] == 1
    pod = defaulted({"spec": {"containers": [{"name": "c", "image": "busybox",
                                              "resources": {"limits": {"cpu": "500m", "memory": "1Gi"},
                                                            "requests": {"cpu": "100m"}}}]}}, "Pod")
    assert pod["spec"]["enableServiceLinks"] is True
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "1Gi"}
    template = defaulted({"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "busybox", "resources": {"limits": {"cpu": "1"}}}]}}}}, "Deployment")
    assert "requests" not in template["spec"]["template"]["spec"]["containers"][0]["resources"]


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("registry.example.com:5000/team/app", "Always"), ("registry.example.com:5000/team/app:v2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"), ("nginx:1.25@sha256:" + "a" * 64, "IfNotPresent"),
    ("Nginx", "IfNotPresent"),   # not a valid reference: ParseImageName fails, no tag
    ("", "IfNotPresent"),
])
def test_image_pull_policy(image, policy):
    pod = defaulted({"spec": {"containers": [{"name": "c", "image": image}]}}, "Pod")
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_explicit_values_are_kept():
    pod = defaulted({"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "nginx",
                                                                       "imagePullPolicy": "Never"}]}}, "Pod")
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def test_quantities_become_canonical_and_round_up_to_milli():
    pod = defaulted({"spec": {"containers": [{"name": "c", "image": "x", "resources": {
        "requests": {"cpu": 0.5, "memory": "1.5Gi"}, "limits": {"cpu": 1, "memory": "2048Mi", "ephemeral-storage": "100n"}}}]}},
        "Pod")
    res = pod["spec"]["containers"][0]["resources"]
    assert res["requests"] == {"cpu": "500m", "memory": "1536Mi", "ephemeral-storage": "1m"}
    assert res["limits"] == {"cpu": "1", "memory": "2Gi", "ephemeral-storage": "1m"}
    assert defaulted({"spec": {"replicas": 2.0}}, "Deployment")["spec"]["replicas"] == 2


def test_probes_volumes_and_env():
    pod = defaulted({"spec": {
        "volumes": [{"name": "cfg", "configMap": {"name": "settings"}}, {"name": "h", "hostPath": {"path": "/x"}}],
        "containers": [{"name": "c", "image": "x",
                        "readinessProbe": {"httpGet": {"port": 80}},
                        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]}]}},
        "Pod")
    c = pod["spec"]["containers"][0]
    assert c["readinessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                   "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert c["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "spec.nodeName", "apiVersion": "v1"}
    assert pod["spec"]["volumes"][0]["configMap"]["defaultMode"] == 420
    assert pod["spec"]["volumes"][1]["hostPath"]["type"] == ""


def test_seed_service():
    s = defaulted(seed("service.yaml"), "Service")["spec"]
    assert s["type"] == "ClusterIP" and s["sessionAffinity"] == "None"
    assert s["ports"] == [{"port": 80, "targetPort": 80, "protocol": "TCP"}]
    assert s["internalTrafficPolicy"] == "Cluster"
    assert s["ipFamilyPolicy"] == "SingleStack" and s["ipFamilies"] == ["IPv4"]
    assert "externalTrafficPolicy" not in s


def test_service_target_port_and_node_port_types():
    s = defaulted({"spec": {"type": "NodePort", "ports": [{"port": 8080}]}}, "Service")["spec"]
    assert s["ports"][0]["targetPort"] == 8080 and s["externalTrafficPolicy"] == "Cluster"
    lb = defaulted({"spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}, "Service")["spec"]
    assert lb["allocateLoadBalancerNodePorts"] is True
    ext = defaulted({"spec": {"type": "ExternalName", "externalName": "db.example.com"}}, "Service")["spec"]
    assert "ipFamilies" not in ext and "internalTrafficPolicy" not in ext


def test_seed_namespace():
    ns = defaulted(seed("namespace.yaml"), "Namespace")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "finance-prod"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]} and ns["status"] == {"phase": "Active"}


def test_role_bindings():
    rb = defaulted({"roleRef": {"kind": "Role", "name": "readonly"},
                    "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Group", "name": "devs"},
                                 {"kind": "ServiceAccount", "name": "default", "namespace": "x"}]}, "RoleBinding")
    assert rb["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s.get("apiGroup") for s in rb["subjects"]] == ["rbac.authorization.k8s.io"] * 2 + [None]
    assert defaulted(seed("role.yaml"), "Role") == seed("role.yaml")   # Roles have no defaults


def test_other_kinds():
    node = defaulted({"status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}, "Node")
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "8Gi", "pods": "110"}
    assert defaulted({}, "Secret")["type"] == "Opaque"
    np = defaulted({"spec": {"ingress": [{"ports": [{"port": 80}]}]}}, "NetworkPolicy")["spec"]
    assert np["policyTypes"] == ["Ingress"] and np["ingress"][0]["ports"][0]["protocol"] == "TCP"
    lr = defaulted({"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "64Mi"}}]}},
                   "LimitRange")["spec"]["limits"][0]
    assert lr["default"] == {"cpu": "1"} and lr["defaultRequest"] == {"cpu": "1", "memory": "64Mi"}
    assert defaulted({"value": 10}, "PriorityClass")["preemptionPolicy"] == "PreemptLowerPriority"
