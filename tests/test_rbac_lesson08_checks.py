"""Lesson 08's exercise checks accept the solution and reject plausible wrong answers."""
from __future__ import annotations

import pytest

from kubesim import seed
from kubesim.lessons import lesson08 as L

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: finance-prod
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["update"]
"""
BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-deployer
  namespace: finance-prod
subjects:
- kind: ServiceAccount
  name: ci
  namespace: finance-prod
roleRef:
  kind: Role
  name: deployer
  apiGroup: rbac.authorization.k8s.io
"""
CI = ROLE + "---\n" + BINDING


def test_team_cluster_uses_the_seed_verbatim():
    c = L.team_cluster()
    role = c.get("Role", "readonly", "finance-prod")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    assert L.can_i(c, "list", "pods", as_user="alice", as_groups=L.TEAM)
    assert not L.can_i(c, "watch", "pods", as_user="alice", as_groups=L.TEAM)


def test_ci_solution_accepted(capsys):
    assert L.check_ci_role(CI)
    assert L.check_ci_role(CI.replace('verbs: ["update"]', 'verbs: ["get", "patch", "update"]'))
    assert "❌" not in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (CI.replace('verbs: ["update"]', 'verbs: ["*"]'), "too much"),                       # every verb
    (CI.replace('resources: ["deployments"]', 'resources: ["*"]'), "too much"),          # every resource
    (CI.replace('apiGroups: ["apps"]', 'apiGroups: [""]'), 'API group "apps"'),          # wrong group
    (CI.replace("name: ci\n", "name: default\n"), "still cannot update"),                # wrong subject
    (ROLE, "still cannot update"),                                                      # no binding
    (CI.replace("kind: RoleBinding", "kind: ClusterRoleBinding")
       .replace("  namespace: finance-prod\nsubjects", "subjects"), "ClusterRoleBinding"),
    (BINDING.replace("kind: Role\n  name: deployer", "kind: ClusterRole\n  name: edit"), "too much"),
    ("", "YAML"),
])
def test_ci_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_ci_role(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_ci_rights_in_another_namespace_are_rejected(capsys):
    # Exactly the right rules in finance-prod, but the same ClusterRole bound in default too.
    cluster_role = ROLE.replace("kind: Role", "kind: ClusterRole").replace("  namespace: finance-prod\n", "")
    binding = BINDING.replace("kind: Role\n  name: deployer", "kind: ClusterRole\n  name: deployer")
    everywhere = (cluster_role + "---\n" + binding + "---\n"
                  + binding.replace("namespace: finance-prod\nsubjects", "namespace: default\nsubjects"))
    assert not L.check_ci_role(everywhere)
    out = capsys.readouterr().out
    assert "nothing else in finance-prod" in out and "outside finance-prod" in out


def test_bob_solution_accepted(capsys):
    assert L.check_bob_binding("oncall-debug")
    assert L.check_bob_binding("rolebinding/oncall-debug")
    assert L.check_bob_binding("oncall-debug/finance-prod")


@pytest.mark.parametrize("wrong, hint", [
    ("ci-deployer", "does not let bob"),        # binds edit, but to the ci ServiceAccount
    ("bob-logs", "does not let bob"),           # names bob, but only readonly
    ("auditors-view", "does not let bob"),      # bob is not an auditor
    ("edit", "no binding named"),               # the role, not the binding
    ("", "binding's name"),
])
def test_bob_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_bob_binding(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_quota_solution_accepted(capsys):
    assert L.check_quota(L.QUOTA)
    assert L.check_quota(L.QUOTA.replace('requests.cpu: "4"', 'requests.cpu: 4000m'))
    assert L.check_quota(L.QUOTA.replace('requests.cpu: "4"', 'cpu: "4"'))
    assert "8 Pods = 4 CPU" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (L.QUOTA.replace("requests.cpu", "limits.cpu"), "requests.cpu"),
    (L.QUOTA.replace('"4"', '"8"'), "4 CPU in total"),
    (L.QUOTA.replace("  namespace: finance-prod\n", ""), "metadata.namespace"),
    (L.QUOTA.replace('    requests.cpu: "4"', '    requests.cpu: "4"\n    limits.memory: 4Gi'), "keep only"),
    (L.QUOTA.replace('requests.cpu: "4"', 'pods: "8"'), "requests.cpu"),
    (seed.NAMESPACE, "ResourceQuota"),
])
def test_quota_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_quota(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_matrix_and_quota_figures_build():
    c = L.team_cluster()
    m = L.access_matrix(c, {"alice": ("alice", L.TEAM)}, verbs=("get", "delete"), resources=("pods",))
    assert m == {"alice": {("get", "pods"): True, ("delete", "pods"): False}}
    assert L.matrix_figure(m, verbs=("get", "delete"), resources=("pods",)).data
    _, with_quota = L.quota_story(seconds=10)
    _, without = L.quota_story(quota=None, seconds=10)
    assert with_quota[-1][2] == 4000 and without[-1][2] == 10000
    assert L.quota_figure(with_quota, without).data
