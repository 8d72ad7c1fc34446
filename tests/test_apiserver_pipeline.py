"""The API server's request pipeline: authentication, impersonation, authorization, admission,
validation, storage — each refusal worded as kubectl prints it, each stage in the trace,
every request in the audit log."""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed

FINANCE_DEPLOYMENT = seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n")


@pytest.fixture(scope="module")
def cluster():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.NAMESPACE)
    c.apply(FINANCE_DEPLOYMENT)
    c.apply(seed.ROLE)
    c.kubectl("create rolebinding readonly-alice --role=readonly --user=alice -n finance-prod")
    c.run(10)
    return c


def stages_of(c, summary_start):
    recs = [r for r in c.trace.filter(kind="component") if r.summary.startswith(summary_start)
            and "/binding" not in r.summary]
    return recs[-1].ref["stages"]


def test_a_create_passes_every_stage_in_order(cluster):
    stages = stages_of(cluster, "POST /apis/apps/v1/namespaces/finance-prod/deployments")
    names = [s.split(":")[0] for s in stages]
    assert names == ["authentication", "authorization", "mutating admission", "validation",
                     "validating admission", "etcd"]
    assert stages[0] == "authentication: admin (client certificate)"
    assert stages[1] == "authorization: allowed (system:masters)"


def test_pod_creation_runs_the_pod_admission_plugins(cluster):
    stages = stages_of(cluster, "POST /api/v1/namespaces/finance-prod/pods")
    assert "mutating admission: ok (ServiceAccount, DefaultTolerationSeconds, Priority)" in stages
    assert stages[0].startswith("authentication: system:kube-controller-manager")
    assert stages[1].startswith('authorization: allowed (RBAC: allowed by ClusterRoleBinding '
                                '"system:controller:replicaset-controller"')


def test_anonymous_and_bad_tokens_get_401(cluster):
    assert cluster.kubectl("get pods", user="") == \
        "error: You must be logged in to the server (Unauthorized)"
    assert cluster.kubectl("get pods", token="not-a-token") == \
        "error: You must be logged in to the server (Unauthorized)"
    assert stages_of(cluster, "GET /api/v1/namespaces/default/pods -> 401") == [
        "authentication: refused (no valid credentials)", "refused: Unauthorized"]


@pytest.mark.parametrize("command, message", [
    ("get pods -n finance-prod --as bob",
     'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in '
     'API group "" in the namespace "finance-prod"'),
    ("get deployment web-app -n finance-prod --as alice",
     'Error from server (Forbidden): deployments.apps "web-app" is forbidden: User "alice" cannot get '
     'resource "deployments" in API group "apps" in the namespace "finance-prod"'),
    ("get nodes --as alice",
     'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in '
     'API group "" at the cluster scope'),
    ("delete pod anything -n finance-prod --as alice",
     'Error from server (Forbidden): pods "anything" is forbidden: User "alice" cannot delete resource '
     '"pods" in API group "" in the namespace "finance-prod"'),
    ("get --raw /metrics --as alice",
     'Error from server (Forbidden): forbidden: User "alice" cannot get path "/metrics"'),
    ("scale deployment web-app --replicas=1 -n finance-prod --as alice",
     'Error from server (Forbidden): deployments.apps "web-app" is forbidden: User "alice" cannot patch '
     'resource "deployments/scale" in API group "apps" in the namespace "finance-prod"'),
])
def test_forbidden_messages_are_kubectls(cluster, command, message):
    assert cluster.kubectl(command) == message


def test_the_readonly_role_lets_alice_read_pods_in_finance_prod_only(cluster):
    assert cluster.kubectl("get pods -n finance-prod --as alice").startswith("NAME")
    assert "Forbidden" in cluster.kubectl("get pods -n default --as alice")


def test_impersonation_needs_the_impersonate_verb(cluster):
    out = cluster.kubectl("get pods --as alice", user="carol", groups=())
    assert out == ('Error from server (Forbidden): users "alice" is forbidden: User "carol" cannot '
                   'impersonate resource "users" in API group "" at the cluster scope')
    out = cluster.kubectl("auth whoami --as alice --as-group dev", user="carol", groups=())
    assert "cannot impersonate" in out


def test_impersonated_identities_get_the_groups_kubernetes_adds(cluster):
    assert cluster.kubectl("auth whoami --as alice").splitlines()[-1].split() == \
        ["Groups", "[system:authenticated]"]
    assert cluster.kubectl("auth whoami --as alice --as-group dev").splitlines()[-1].split() == \
        ["Groups", "[dev", "system:authenticated]"]
    sa = cluster.kubectl("auth whoami --as system:serviceaccount:finance-prod:ci").splitlines()
    assert sa[1].split() == ["Username", "system:serviceaccount:finance-prod:ci"]
    assert sa[2].split()[1:] == ["[system:serviceaccounts", "system:serviceaccounts:finance-prod",
                                 "system:authenticated]"]


def test_static_tokens_and_serviceaccount_tokens():
    c = kubesim.Cluster(seed=1)
    token = c.add_token("dave", groups=["dev"])
    assert c.kubectl("auth whoami", token=token).splitlines()[1].split() == ["Username", "dave"]
    assert "--token" and c.kubectl(f"auth whoami --token={token}").splitlines()[1].split()[-1] == "dave"
    assert c.kubectl("create token ci -n default") == \
        'Error from server (NotFound): serviceaccounts "ci" not found'
    c.apply("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci\n")
    sa_token = c.kubectl("create token ci --duration=10m")
    assert sa_token.count(".") == 2
    who = c.kubectl("auth whoami", token=sa_token)
    assert "system:serviceaccount:default:ci" in who
    c.kubectl("delete serviceaccount ci")
    assert c.kubectl("auth whoami", token=sa_token) == \
        "error: You must be logged in to the server (Unauthorized)"       # account deleted
    c.apply("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci\n")
    short = c.kubectl("create token ci --duration=5s")
    assert "default:ci" in c.kubectl("auth whoami", token=short)
    c.run(10)
    assert "Unauthorized" in c.kubectl("auth whoami", token=short)     # expired


def test_the_audit_log_records_who_asked_for_what_and_the_decision(cluster):
    cluster.kubectl("get pods -n finance-prod --as alice")
    cluster.kubectl("delete pod nope -n finance-prod --as alice")
    events = cluster.audit.filter(user="alice")
    allowed = events.filter(verb="list", decision="allow")[-1]
    assert allowed["user"]["username"] == "admin"
    assert allowed["impersonatedUser"] == {"username": "alice", "groups": ["system:authenticated"]}
    assert allowed["requestURI"] == "/api/v1/namespaces/finance-prod/pods"
    assert allowed["annotations"]["authorization.k8s.io/reason"].startswith(
        'RBAC: allowed by RoleBinding "readonly-alice/finance-prod"')
    refused = events.filter(verb="delete")[-1]
    assert refused["responseStatus"]["code"] == 403
    assert refused["annotations"]["authorization.k8s.io/decision"] == "forbid"
    assert refused["objectRef"] == {"resource": "pods", "apiGroup": "", "apiVersion": "v1",
                                    "namespace": "finance-prod", "name": "nope"}
    table = cluster.audit.filter(user="alice").table(last=2)
    assert table.splitlines()[0].split() == ["TIME", "USER", "VERB", "REQUEST", "CODE", "DECISION"]
    assert table.splitlines()[-1].split()[1:] == ["admin", "as", "alice", "delete",
                                                  "/api/v1/namespaces/finance-prod/pods/nope", "403",
                                                  "forbid"]


def test_components_work_under_rbac_without_a_single_refusal():
    c = kubesim.Cluster(seed=3)
    c.apply(seed.NAMESPACE)
    c.apply(FINANCE_DEPLOYMENT)
    c.apply(seed.SERVICE)
    c.apply("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n"
            "spec:\n  podSelector: {}\n")
    c.apply("apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: finance-prod\n"
            "spec:\n  hard:\n    pods: \"20\"\n")
    c.run(20)
    c.kubectl("scale deployment web-app -n finance-prod --replicas=5")
    c.crash("worker-1")
    c.run(360)
    c.kubectl("delete namespace finance-prod")
    c.restart("worker-1")
    c.run(60)
    refused = [e for e in c.audit if e["responseStatus"]["code"] in (401, 403)]
    assert refused == []
    users = {e["user"]["username"] for e in c.audit}
    assert {"system:kube-scheduler", "system:kube-controller-manager", "system:node:worker-2",
            "system:kube-proxy", "system:serviceaccount:kube-system:coredns"} <= users
    assert c.get("Namespace", "finance-prod") is None


def test_admin_keeps_full_access_even_without_any_binding():
    c = kubesim.Cluster(seed=0)
    c.kubectl("delete clusterrolebinding cluster-admin")
    c.run(1)
    assert c.kubectl("auth can-i '*' '*'") == "yes"       # system:masters never goes through RBAC
    assert c.kubectl("get nodes").startswith("NAME")


def test_apply_when_reading_is_forbidden_says_so_like_kubectl(cluster):
    with pytest.raises(kubesim.errors.KubesimError) as err:
        cluster.apply(FINANCE_DEPLOYMENT, user="alice", groups=())
    assert str(err.value) == (
        'Error from server (Forbidden): error when retrieving current configuration of:\n'
        'Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"\n'
        'Name: "web-app", Namespace: "finance-prod"\n'
        'from server for: "STDIN": deployments.apps "web-app" is forbidden: User "alice" cannot get '
        'resource "deployments" in API group "apps" in the namespace "finance-prod"')


def test_readyz_verbose(cluster):
    assert cluster.kubectl("get --raw /readyz?verbose").splitlines()[-1] == "readyz check passed"
    assert cluster.kubectl("get --raw /readyz") == "ok"
    assert cluster.kubectl("get --raw /nope") == \
        "Error from server (NotFound): the server could not find the requested resource"


def test_admission_and_validation_refusals_are_traced(cluster):
    bad = seed.DEPLOYMENT.replace("name: web-app", "name: other\n  namespace: nowhere")
    with pytest.raises(kubesim.errors.KubesimError) as err:
        cluster.apply(bad)
    assert str(err.value) == ('Error from server (NotFound): error when creating "STDIN": '
                              'namespaces "nowhere" not found')
    assert stages_of(cluster, "POST /apis/apps/v1/namespaces/nowhere/deployments")[-1] == \
        "refused: NotFound"
    invalid = seed.DEPLOYMENT.replace("name: web-app", "name: Bad_Name")
    with pytest.raises(kubesim.errors.KubesimError) as err:
        cluster.apply(invalid)
    assert 'The Deployment "Bad_Name" is invalid' in str(err.value)
    stages = stages_of(cluster, "POST /apis/apps/v1/namespaces/default/deployments")
    assert stages[-2].startswith("mutating admission") and stages[-1] == "refused: Invalid"


def test_a_consistent_list_needs_an_etcd_quorum_but_a_list_from_the_cache_does_not():
    """kubectl lists without a resourceVersion: the API server first reads etcd's current
    revision with a quorum read (ConsistentListFromCache). Informers list with
    resourceVersion=0, which the watch cache answers as it is."""
    c = kubesim.Cluster(seed=0, etcd_members=3)
    c.apply(seed.DEPLOYMENT)
    c.run(10)
    before = c.now
    assert "web-app-" in c.kubectl("get pods")
    asked = [r for r in c.trace.filter(kind="message", source="kube-apiserver-1", since=before)
             if r.summary == "Txn (current revision)"]
    assert len(asked) == 1
    c.crash("etcd-2")
    c.crash("etcd-3")
    c.run(3)
    assert c.kubectl("get pods") == "Error from server: etcdserver: request timed out"
    from_cache = c.call(c.client("admin").list("pods", namespace="default", resource_version="0"))
    assert len(from_cache["items"]) == 3
