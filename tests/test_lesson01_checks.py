"""Lesson 01's exercise checks accept the solution and reject plausible wrong answers."""
from __future__ import annotations

import pytest

from kubesim import seed
from kubesim.lessons import lesson01 as L

RIGHT_PATH = ["kubectl", "kube-apiserver", "etcd", "kube-controller-manager",
              "kube-scheduler", "kubelet", "container runtime"]

FINANCE = seed.NAMESPACE + "---\n" + seed.DEPLOYMENT.replace(
    "  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n").replace(
    "replicas: 3", "replicas: 2")


def test_the_trace_gives_the_textbook_path():
    assert L.expected_pod_path(L.web_app_story()) == RIGHT_PATH


def test_right_path_accepted_with_friendly_names(capsys):
    assert L.check_pod_path(RIGHT_PATH)
    assert L.check_pod_path(["kubectl", "API server", "etcd", "controller manager", "scheduler",
                             "kubelet", "containerd"])
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    # the scheduler does not create Pods: the ReplicaSet controller does, first
    ["kubectl", "kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager", "kubelet",
     "container runtime"],
    # kubectl never talks to etcd directly
    ["kubectl", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
     "container runtime"],
    # etcd forgotten
    ["kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
     "container runtime"],
    # kube-proxy plays no part in starting a Pod
    ["kubectl", "kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler",
     "kube-proxy", "kubelet", "container runtime"],
    "kubectl, kube-apiserver",
])
def test_wrong_paths_rejected_with_a_hint(wrong, capsys):
    assert not L.check_pod_path(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and "Traceback" not in out


def test_finance_solution_accepted(capsys):
    assert L.check_finance_prod(FINANCE)
    assert "2/2 Pods Running" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (seed.DEPLOYMENT.replace("replicas: 3", "replicas: 2"), "Namespace"),            # no Namespace
    (seed.NAMESPACE + "---\n" + seed.DEPLOYMENT.replace("replicas: 3", "replicas: 2"),
     "metadata.namespace: finance-prod"),                                               # wrong ns
    (FINANCE.replace("replicas: 2", "replicas: 3"), "asks for 2"),                     # 3 replicas
    (FINANCE.replace("nginx:1.25", "ngnix:1.25"), "not Running"),                      # typo image
    (FINANCE.replace("      app: web\n  template", "      app: api\n  template"), "invalid"),
    (seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n"),
     "not found"),                                                                      # ns missing
])
def test_finance_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_finance_prod(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_placeholder_answer_says_not_yet(capsys):
    from kubesim.checks import checking
    with checking("x") as c:
        raise NotImplementedError
    assert not c
    assert "Not yet" in capsys.readouterr().out
