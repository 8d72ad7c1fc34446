"""Bad input through ``Cluster.apply``: kubectl's words, and nothing half-applied."""
from __future__ import annotations

import pytest

import kubesim
from kubesim.errors import KubesimError
from engine_helpers import WEB_APP


@pytest.fixture(scope="module")
def cluster():
    c = kubesim.Cluster(seed=0)
    c.run(1)
    return c


def _state(c):
    """Every stored object except the ones that change on their own (leases, events)."""
    keys = set()
    for kv in c.etcd_leader_store().range("/registry/"):
        if not kv.key.startswith(("/registry/leases/", "/registry/events/", "/registry/minions/")):
            keys.add((kv.key, kv.mod_revision))
    return keys


CASES = {
    "unknown kind": (
        WEB_APP.replace("kind: Deployment", "kind: Deploymnt"),
        'error: resource mapping not found for name: "web-app" namespace: "" from "STDIN": '
        'no matches for kind "Deploymnt" in version "apps/v1"'),
    "wrong apiVersion": (
        WEB_APP.replace("apiVersion: apps/v1", "apiVersion: v1"),
        'no matches for kind "Deployment" in version "v1"'),
    "unknown field": (
        WEB_APP.replace("  replicas: 3", "  replica: 3"),
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" '
        'cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"'),
    "selector mismatch": (
        WEB_APP.replace("        app: web\n    spec:", "        app: api\n    spec:"),
        'The Deployment "web-app" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"api"}: `selector` does not match template `labels`'),
    "invalid name": (
        WEB_APP.replace("name: web-app", "name: Web_App"),
        'metadata.name: Invalid value: "Web_App": a lowercase RFC 1123 subdomain'),
    "missing containers": (
        WEB_APP.split("      containers:")[0] + "      containers: []\n",
        "spec.template.spec.containers: Required value"),
    "bad quantity": (
        WEB_APP.replace("        ports:", "        resources:\n          requests:\n"
                        "            cpu: lots\n        ports:"),
        "quantities must match the regular expression"),
    "requests above limits": (
        WEB_APP.replace("        ports:", "        resources:\n          requests:\n"
                        "            cpu: 1\n          limits:\n            cpu: 500m\n        ports:"),
        "must be less than or equal to cpu limit"),
    "missing namespace": (
        WEB_APP.replace("  name: web-app", "  name: web-app\n  namespace: finance-prod"),
        'Error from server (NotFound): error when creating "STDIN": namespaces "finance-prod" not found'),
    "malformed YAML": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-app\n spec: {}\n",
        "error: error parsing STDIN: error converting YAML to JSON: yaml: line"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_manifest_gets_kubectls_error_and_changes_nothing(cluster, name):
    manifest, expected = CASES[name]
    before = _state(cluster)
    with pytest.raises(KubesimError) as err:
        cluster.apply(manifest)
    assert expected in str(err.value)
    assert "Traceback" not in str(err.value)
    assert _state(cluster) == before, "a rejected document must change nothing"
    # kubectl() prints the same text instead of raising.
    assert cluster.get("Deployment", "web-app") is None


def test_documents_around_a_bad_one_are_still_applied():
    c = kubesim.Cluster(seed=1)
    good_ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n"
    bad = WEB_APP.replace("  replicas: 3", "  replica: 3")
    good_cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"
    with pytest.raises(KubesimError) as err:
        c.apply("---\n".join([good_ns, bad, good_cm]))
    text = str(err.value)
    assert text.splitlines()[:2] == ["namespace/team-a created", "configmap/settings created"]
    assert 'unknown field "spec.replica"' in text.splitlines()[2]
    assert c.get("Namespace", "team-a") and c.get("ConfigMap", "settings")
    assert c.get("Deployment", "web-app") is None


def test_yaml_error_stops_reading_but_earlier_documents_apply():
    c = kubesim.Cluster(seed=1)
    good_ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n"
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n bad: [\n"
    with pytest.raises(KubesimError) as err:
        c.apply(good_ns + "---\n" + broken)
    assert str(err.value).startswith("namespace/team-b created\nerror: error parsing")
    assert c.get("Namespace", "team-b") is not None
    assert c.get("ConfigMap", "x") is None


def test_kubectl_apply_prints_errors_instead_of_raising(tmp_path):
    c = kubesim.Cluster(seed=2)
    path = tmp_path / "web.yaml"
    path.write_text(WEB_APP.replace("kind: Deployment", "kind: Deploymnt"))
    out = c.kubectl(f"apply -f {path}")
    assert out.startswith('error: resource mapping not found for name: "web-app" namespace: "" '
                          f'from "{path}"')
    assert c.kubectl("apply -f /nope.yaml") == 'error: the path "/nope.yaml" does not exist'
