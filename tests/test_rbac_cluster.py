"""RBAC in a running cluster: kubectl auth can-i, kubectl create role/rolebinding, the
default roles, aggregation, and escalation prevention as Kubernetes enforces it."""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed


@pytest.fixture(scope="module")
def c():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.NAMESPACE)
    c.apply(seed.ROLE)
    c.kubectl("create namespace other")
    c.kubectl("create rolebinding readonly-alice --role=readonly --user=alice -n finance-prod")
    c.kubectl("create rolebinding dev-edit --clusterrole=edit --group=dev -n finance-prod")
    c.run(2)
    return c


@pytest.mark.parametrize("command, answer", [
    ("auth can-i list pods -n finance-prod --as alice", "yes"),
    ("auth can-i get pods/web -n finance-prod --as alice", "yes"),
    ("auth can-i watch pods -n finance-prod --as alice", "no"),
    ("auth can-i list pods -n other --as alice", "no"),
    ("auth can-i list pods -A --as alice", "no"),
    ("auth can-i get pods -n finance-prod --subresource=log --as alice", "no"),
    ("auth can-i create deployments.apps -n finance-prod --as bob --as-group dev", "yes"),
    ("auth can-i create deployments -n other --as bob --as-group dev", "no"),     # RoleBinding: one namespace
    ("auth can-i get secrets -n finance-prod --as bob --as-group dev", "yes"),     # edit reads secrets
    ("auth can-i create roles -n finance-prod --as bob --as-group dev", "no"),     # …but only admin grants
    ("auth can-i get /healthz --as alice", "yes"),                                 # system:public-info-viewer
    ("auth can-i get /metrics --as alice", "no"),
    ("auth can-i create selfsubjectaccessreviews.authorization.k8s.io --as alice", "yes"),
    ("auth can-i '*' '*'", "yes"),
])
def test_can_i(c, command, answer):
    assert c.kubectl(command) == answer


def test_can_i_warns_like_kubectl(c):
    assert c.kubectl("auth can-i list nodes --as alice") == \
        "Warning: resource 'nodes' is not namespace scoped\nno"
    assert c.kubectl("auth can-i list gizmos --as alice") == \
        "Warning: the server doesn't have a resource type 'gizmos'\nno"
    assert c.kubectl("auth can-i list") == ("error: you must specify two arguments: verb resource or "
                                            "verb resource/resourceName.\nSee 'kubectl auth can-i -h' "
                                            "for help and examples.")


def test_can_i_explains_a_binding_to_a_missing_role(c):
    c.kubectl("create rolebinding ghost --role=nope --user=eve -n finance-prod")
    assert c.kubectl("auth can-i get pods -n finance-prod --as eve") == \
        'no - RBAC: role.rbac.authorization.k8s.io "nope" not found'


def test_can_i_list_prints_kubectls_table(c):
    out = c.kubectl("auth can-i --list -n finance-prod --as alice").splitlines()
    assert out[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    rows = [line.split() for line in out[1:]]
    assert rows[:4] == [
        ["selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"],
        ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"],
        ["selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"],
        ["pods", "[]", "[]", "[get", "list]"]]
    assert ["[/healthz]", "[]", "[get]"] in rows


def test_create_role_builds_one_rule_per_api_group(c):
    assert c.kubectl("create role deployer --verb=get,list --verb=update --resource=deployments.apps "
                     "--resource=pods,pods/log -n finance-prod") == \
        "role.rbac.authorization.k8s.io/deployer created"
    role = c.get("Role", "deployer", "finance-prod")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "update"]}]
    assert c.kubectl("create rolebinding deployer --role=deployer "
                     "--serviceaccount=finance-prod:ci -n finance-prod") == \
        "rolebinding.rbac.authorization.k8s.io/deployer created"
    binding = c.get("RoleBinding", "deployer", "finance-prod")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ci", "namespace": "finance-prod"}]
    assert c.kubectl("auth can-i update deployments -n finance-prod "
                     "--as system:serviceaccount:finance-prod:ci") == "yes"
    assert c.kubectl("create role bad --verb=fly --resource=pods") == 'error: invalid verb: "fly"'


def test_the_default_roles(c):
    c.kubectl("create rolebinding v --clusterrole=view --user=viewer -n finance-prod")
    c.kubectl("create rolebinding a --clusterrole=admin --user=boss -n finance-prod")
    ask = lambda verb, what, who: c.kubectl(f"auth can-i {verb} {what} -n finance-prod --as {who}")
    assert ask("list", "deployments", "viewer") == "yes"
    assert ask("get", "secrets", "viewer") == "no"          # view never shows Secrets
    assert ask("create", "rolebindings", "boss") == "yes"
    assert ask("update", "resourcequotas", "boss") == "no"  # quotas are the cluster admin's
    names = {r["metadata"]["name"] for r in c.list("ClusterRole")}
    assert {"cluster-admin", "admin", "edit", "view", "system:kube-scheduler", "system:node"} <= names


def test_aggregation_adds_labelled_roles_to_view(c):
    before = len(c.get("ClusterRole", "view")["rules"])
    c.apply("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: quota-watcher
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: ["scheduling.k8s.io"]
  resources: ["priorityclasses"]
  verbs: ["get", "list"]
""")
    c.run(1)
    view = c.get("ClusterRole", "view")["rules"]
    assert len(view) == before + 1
    assert {"apiGroups": ["scheduling.k8s.io"], "resources": ["priorityclasses"],
            "verbs": ["get", "list"]} in view
    assert c.kubectl("auth can-i list priorityclasses -n finance-prod --as viewer").endswith("yes")
    edit = c.get("ClusterRole", "edit")["rules"]
    assert any(r.get("resources") == ["priorityclasses"] for r in edit)   # view feeds edit


def test_escalation_is_blocked_unless_the_user_holds_the_rules_or_has_escalate_or_bind(c):
    c.apply("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: rbac-editor
  namespace: finance-prod
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["create", "get", "update"]
""")
    c.kubectl("create rolebinding mallory-rbac --role=rbac-editor --user=mallory -n finance-prod")
    as_m = " -n finance-prod --as mallory"
    assert c.kubectl("create role everything --verb=* --resource=pods" + as_m) == (
        'Error from server (Forbidden): roles.rbac.authorization.k8s.io "everything" is forbidden: '
        'user "mallory" (groups=["system:authenticated"]) is attempting to grant RBAC permissions '
        'not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["*"]}')
    # A Role with only rules mallory already holds is fine.
    assert c.kubectl("create role self --verb=get --resource=roles.rbac.authorization.k8s.io" + as_m) == \
        "role.rbac.authorization.k8s.io/self created"
    # Binding cluster-admin is an escalation…
    out = c.kubectl("create rolebinding grab --clusterrole=cluster-admin --user=mallory" + as_m)
    assert out.startswith('Error from server (Forbidden): rolebindings.rbac.authorization.k8s.io "grab" '
                          'is forbidden: user "mallory"')
    assert '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}' in out
    # …unless someone granted the bind verb on that role.
    c.kubectl("create role binder --verb=bind --resource=clusterroles.rbac.authorization.k8s.io "
              "--resource-name=view -n finance-prod")
    c.kubectl("create rolebinding mallory-binder --role=binder --user=mallory -n finance-prod")
    assert c.kubectl("create rolebinding see --clusterrole=view --user=mallory" + as_m) == \
        "rolebinding.rbac.authorization.k8s.io/see created"
    # The escalate verb lets a Role hold rules its author lacks.
    c.kubectl("create role escalator --verb=escalate --resource=roles.rbac.authorization.k8s.io "
              "-n finance-prod")
    c.kubectl("create rolebinding mallory-escalator --role=escalator --user=mallory -n finance-prod")
    assert c.kubectl("create role everything --verb=* --resource=pods" + as_m) == \
        "role.rbac.authorization.k8s.io/everything created"
    # A binding to a Role that does not exist: NotFound for anyone but system:masters.
    assert c.kubectl("create rolebinding dangling --role=missing --user=x" + as_m) == \
        'Error from server (NotFound): roles.rbac.authorization.k8s.io "missing" not found'
