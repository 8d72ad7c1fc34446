"""kubesim.api.validation: strict decoding and semantic validation, worded as Kubernetes v1.33.

The corpus in tests/data/bad-manifests/ holds one broken manifest per file; its first line
is ``# expect: <text>`` (``\\n`` for a newline) and that text must appear in the error a
learner would see.  The pipeline below is the API server's: decode, default, validate.
"""
import copy
from pathlib import Path

import pytest

from kubesim.errors import BadRequestError, InvalidError, KubesimError
from kubesim.api import defaults, manifests, validation
from kubesim.api.resources import for_kind

DATA = Path(__file__).parent / "data"
CORPUS = sorted((DATA / "bad-manifests").glob("*.yaml"))
SEED = sorted((DATA / "seed").glob("*.yaml"))


def admit(obj: dict, rt, old: dict = None) -> dict:
    """decode -> default -> validate, as kube-apiserver's create/update handlers do."""
    obj = copy.deepcopy(obj)
    if rt.namespaced and isinstance(obj.get("metadata"), dict):
        obj["metadata"].setdefault("namespace", "default")   # the request's namespace
    validation.decode(obj, rt)
    defaults.apply_defaults(obj, rt)
    errors = validation.validate(obj, rt, old)
    if errors:
        raise InvalidError(rt.kind, obj["metadata"].get("name", ""), errors)
    return obj


def apply_file(path) -> list:
    """What ``kubectl apply -f path`` runs through, minus storage."""
    out = []
    for doc in manifests.load(str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else path):
        out.append(admit(doc.obj, manifests.resolve(doc)))
    return out


def expectation(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: …'"
    return first[len("# expect: "):].replace("\\n", "\n")


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_bad_manifest(path):
    with pytest.raises(KubesimError) as e:
        apply_file(path)
    assert expectation(path) in str(e.value)


@pytest.mark.parametrize("path", [p for p in SEED if p.name != "resources.yaml"], ids=lambda p: p.stem)
def test_seed_manifest_is_accepted(path):
    objs = apply_file(path)
    assert objs and all(o["metadata"]["name"] for o in objs)


def test_exact_texts_from_the_course():
    rt = for_kind("Deployment")
    with pytest.raises(InvalidError) as e:
        apply_file(DATA / "bad-manifests" / "selector-mismatch.yaml")
    assert str(e.value) == ('The Deployment "web-app" is invalid: spec.template.metadata.labels: Invalid value: '
                            'map[string]string{"app":"api"}: `selector` does not match template `labels`')
    with pytest.raises(BadRequestError) as e:
        apply_file(DATA / "bad-manifests" / "unknown-field-replica.yaml")
    assert e.value.status_message == ('Deployment in version "v1" cannot be handled as a Deployment: '
                                      'strict decoding error: unknown field "spec.replica"')
    assert e.value.code == 400 and rt.kind == "Deployment"


# ----------------------------------------------------------------------------- decoding
def _deployment(**spec):
    base = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-app"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}}}
    base["spec"].update(spec)
    return base


def decode_error(obj, kind="Deployment") -> str:
    with pytest.raises(BadRequestError) as e:
        validation.decode(obj, for_kind(kind))
    return e.value.status_message.split(f"cannot be handled as a {kind}: ", 1)[1]


def test_unknown_fields_are_sorted_like_the_json_kubectl_sends():
    obj = _deployment(zeta=1, alpha=2)
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    assert decode_error(obj) == ('strict decoding error: unknown field "spec.alpha", '
                                 'unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.zeta"')


def test_type_error_wins_over_unknown_field_and_quantity_error_wins_over_both():
    obj = _deployment(replica=3, replicas="3")
    assert decode_error(obj) == ("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
                                 "of type int32")
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "lots"}}
    assert decode_error(obj).startswith("quantities must match the regular expression")


@pytest.mark.parametrize("spec,message", [
    ({"replicas": 1.5}, "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"),
    ({"replicas": 2**40}, f"json: cannot unmarshal number {2**40} into Go struct field DeploymentSpec.spec.replicas of type int32"),
    ({"replicas": [1]}, "json: cannot unmarshal array into Go struct field DeploymentSpec.spec.replicas of type int32"),
    ({"selector": "app=web"}, "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector"),
    ({"paused": "yes"}, "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"),
    ({"strategy": {"rollingUpdate": 5}}, "json: cannot unmarshal number into Go struct field DeploymentStrategy.spec.strategy.rollingUpdate of type v1.RollingUpdateDeployment"),
    ({"strategy": {"rollingUpdate": {"maxSurge": 1.5}}}, "json: cannot unmarshal number 1.5 into Go value of type int32"),
])
def test_type_errors(spec, message):
    assert decode_error(_deployment(**spec)) == message


def test_wrong_types_inside_lists_and_maps():
    obj = _deployment()
    obj["spec"]["template"]["spec"]["containers"] = [5]
    assert decode_error(obj) == ("json: cannot unmarshal number into Go struct field "
                                 "PodSpec.spec.template.spec.containers of type v1.Container")
    obj = _deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": 5}
    assert decode_error(obj) == ("json: cannot unmarshal number into Go struct field ResourceRequirements."
                                 "spec.template.spec.containers.resources.limits of type v1.ResourceList")
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": 5}}
    assert decode_error(secret, "Secret") == ("json: cannot unmarshal number into Go struct field Secret.data "
                                              "of type []uint8")


def test_decode_accepts_what_go_accepts():
    obj = _deployment(replicas=2.0, strategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}},
                      revisionHistoryLimit=None)
    c = obj["spec"]["template"]["spec"]["containers"][0]
    c["resources"] = {"requests": {"cpu": 0.5, "memory": 134217728}, "limits": {"cpu": 1}}
    c["ports"] = [{"containerPort": 80, "name": "http"}]
    obj["status"] = {"replicas": 3}
    validation.decode(obj, for_kind("Deployment"))     # no error
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}
    validation.decode(svc, for_kind("Service"))


def test_every_kind_decodes_a_minimal_object():
    from kubesim.api.resources import RESOURCE_TYPES
    for rt in RESOURCE_TYPES:
        validation.decode({"apiVersion": rt.api_version, "kind": rt.kind, "metadata": {"name": "x"}}, rt)
        with pytest.raises(BadRequestError, match='unknown field "bogus"'):
            validation.decode({"apiVersion": rt.api_version, "kind": rt.kind, "bogus": 1}, rt)


# ----------------------------------------------------------------------------- validation
def errors_of(obj, kind, old=None):
    obj = copy.deepcopy(obj)
    rt = for_kind(kind)
    if rt.namespaced:
        obj["metadata"].setdefault("namespace", "default")
    defaults.apply_defaults(obj, rt)
    return [str(e) for e in validation.validate(obj, rt, old)]


def test_several_errors_in_kubernetes_order():
    obj = _deployment(replicas=-1)
    obj["metadata"]["name"] = "Web"
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    errs = errors_of(obj, "Deployment")
    assert errs[0].startswith('metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain')
    assert errs[1] == "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    assert errs[2] == "spec.template.spec.containers[0].image: Required value"


def test_missing_selector_also_reports_the_template_mismatch():
    obj = _deployment()
    del obj["spec"]["selector"]
    assert errors_of(obj, "Deployment") == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        "`selector` does not match template `labels`"]


def test_template_labels_are_reported_at_spec_template_labels():
    obj = _deployment(selector={"matchLabels": {"app": "web app"}})
    obj["spec"]["template"]["metadata"]["labels"] = {"app": "web app"}
    errs = errors_of(obj, "Deployment")
    # an invalid selector stops the template checks (ValidateDeploymentSpec's else branch)
    assert len(errs) == 2
    assert errs[0].startswith('spec.selector.matchLabels: Invalid value: "web app"')
    assert errs[1] == ('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web app"}, '
                       "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector")
    obj = _deployment()
    obj["spec"]["template"]["metadata"]["labels"]["tier"] = "front end"
    errs = errors_of(obj, "Deployment")
    assert len(errs) == 1 and errs[0].startswith('spec.template.labels: Invalid value: "front end"')


def test_replicaset_rules():
    rs = _deployment()
    rs["kind"] = "ReplicaSet"
    assert errors_of(rs, "ReplicaSet") == []
    rs["spec"]["selector"] = {}
    assert errors_of(rs, "ReplicaSet") == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"]


def test_requests_and_limits():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox",
                                    "resources": {"requests": {"memory": "1Gi", "cpus": "1"},
                                                  "limits": {"memory": "512Mi"}}}]}}
    assert errors_of(pod, "Pod") == [
        'spec.containers[0].resources.requests[cpus]: Invalid value: "cpus": must be a standard resource for containers',
        'spec.containers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi']
    # limits alone: requests default to limits on Pods
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "500m"}}
    assert errors_of(pod, "Pod") == []
    pod["spec"]["containers"][0]["resources"] = {"requests": {"example.com/gpu": "1"}}
    assert errors_of(pod, "Pod") == [
        "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"]


def test_ports_and_probes():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox",
                                    "ports": [{"containerPort": 80, "name": "HTTP", "protocol": "HTTP"}],
                                    "livenessProbe": {"successThreshold": 2, "httpGet": {"port": 0}},
                                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}}
    assert errors_of(pod, "Pod") == [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters '
        "(a-z, 0-9), and hyphens (-)",
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'spec.containers[0].volumeMounts[0].name: Not found: "data"',
        "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]


def test_service_rules():
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"clusterIP": "10.0.0.300", "ports": [{"port": 80}, {"port": 80, "name": "b", "nodePort": 30080}]}}
    errs = errors_of(svc, "Service")
    assert errs == [
        "spec.ports[0].name: Required value",
        'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
        'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}']
    node_port = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}}
    assert errors_of(node_port, "Service") == [
        "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
        "The range of valid ports is 30000-32767"]


def test_rbac_rules():
    crb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"},
           "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "default"}]}
    assert errors_of(crb, "ClusterRoleBinding") == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "subjects[0].namespace: Required value"]
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]}
    assert errors_of(role, "Role") == [
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs']


def test_object_meta():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"labels": {"a/b/c": "x"}, "annotations": {"Bad Key": "1"}},
          "data": {"ok.key": "1", "bad key": "2"}}
    errs = errors_of(cm, "ConfigMap")
    assert errs[0] == "metadata.name: Required value: name or generateName is required"
    assert errs[1].startswith('metadata.labels: Invalid value: "a/b/c": a qualified name must consist of')
    assert errs[2].startswith('metadata.annotations: Invalid value: "Bad Key": name part must consist of')
    assert errs[3].startswith('data[bad key]: Invalid value: "bad key": a valid config key must consist of')
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "namespace": "y"}}
    assert errors_of(ns, "Namespace") == ["metadata.namespace: Forbidden: not allowed on this type"]


# ----------------------------------------------------------------------------- updates
def test_deployment_selector_is_immutable():
    old = admit(_deployment(), for_kind("Deployment"))
    new = _deployment(selector={"matchLabels": {"app": "web", "tier": "fe"}})
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "fe"
    with pytest.raises(InvalidError) as e:
        admit(new, for_kind("Deployment"), old)
    assert str(e.value) == (
        'The Deployment "web-app" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "field is immutable")
    admit(_deployment(replicas=5), for_kind("Deployment"), old)    # scaling is fine


def test_pod_updates_may_only_change_images():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}}
    old = admit(pod, for_kind("Pod"))
    new = copy.deepcopy(pod)
    new["spec"]["containers"][0]["image"] = "nginx:1.26"
    new["spec"]["activeDeadlineSeconds"] = 30
    admit(new, for_kind("Pod"), old)                                  # allowed
    new["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080
    with pytest.raises(InvalidError) as e:
        admit(new, for_kind("Pod"), old)
    text = str(e.value)
    assert text.startswith(
        'The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
        "(allow it to be set to 1 if it was previously negative)\n")
    assert "containers[0].ports[0].containerPort: 80" in text and "8080" in text


def test_role_ref_and_cluster_ip_and_namespace_name_are_immutable():
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
          "roleRef": {"kind": "Role", "name": "readonly"}, "subjects": [{"kind": "User", "name": "jane"}]}
    old = admit(rb, for_kind("RoleBinding"))
    new = copy.deepcopy(rb)
    new["roleRef"]["name"] = "admin"
    with pytest.raises(InvalidError) as e:
        admit(new, for_kind("RoleBinding"), old)
    assert str(e.value) == ('The RoleBinding "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:'
                            '"rbac.authorization.k8s.io", Kind:"Role", Name:"admin"}: cannot change roleRef')
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 80}]}}
    old = admit(svc, for_kind("Service"))
    new = copy.deepcopy(svc)
    new["spec"]["clusterIP"] = "10.96.0.11"
    with pytest.raises(InvalidError, match=r'spec.clusterIPs\[0\]: Invalid value: \[\]string\{"10.96.0.11"\}: '
                                           "may not change once set"):
        admit(new, for_kind("Service"), old)
    del new["spec"]["clusterIP"]
    admit(new, for_kind("Service"), old)        # omitting it keeps the allocated IP
    ns = admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, for_kind("Namespace"))
    with pytest.raises(InvalidError, match='metadata.name: Invalid value: "b": field is immutable'):
        admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}, for_kind("Namespace"), ns)
