"""Lesson 07's exercise checks accept the solutions and reject plausible wrong answers."""
from __future__ import annotations

import pytest

from kubesim import seed
from kubesim.lessons import lesson07 as L

FIXED = seed.SERVICE
STICKY = seed.SERVICE.replace("  type: ClusterIP\n", "  type: ClusterIP\n  sessionAffinity: ClientIP\n")
POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: backend-from-frontend
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: backend
  policyTypes:
  - Ingress
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: frontend
    ports:
    - protocol: TCP
      port: 8080
"""


def quiet(capsys):
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return out


# ---------------------------------------------------------------------- (a) selector
def test_selector_fix_accepted(capsys):
    assert L.check_selector_fix(FIXED)
    assert "answers" in quiet(capsys)


@pytest.mark.parametrize("wrong, hint", [
    (L.BROKEN_SERVICE, "selector must match"),                               # unchanged
    (FIXED.replace("targetPort: 80", "targetPort: 8080"), "targetPort"),     # wrong port
    (FIXED.replace("name: web-service", "name: web"), "metadata.name: web-service"),
    (FIXED.replace("kind: Service", "kind: Servise"), "kubectl apply refused"),
    ("", "YAML text"),
])
def test_selector_fix_rejects(wrong, hint, capsys):
    assert not L.check_selector_fix(wrong)
    out = quiet(capsys)
    assert "❌" in out and hint in out


# ---------------------------------------------------------------------- (b) affinity
def test_affinity_accepted(capsys):
    assert L.check_affinity(STICKY)
    assert "all reached" in quiet(capsys)


@pytest.mark.parametrize("wrong, hint", [
    (FIXED, "set it to ClientIP"),                                          # forgot affinity
    (STICKY.replace("app: web\n  ports", "app: web-app\n  ports"), "requests reached"),  # no endpoints
    (STICKY.replace("ClientIP", "clientIP"), "kubectl apply refused"),      # unsupported value
])
def test_affinity_rejects(wrong, hint, capsys):
    assert not L.check_affinity(wrong)
    out = quiet(capsys)
    assert "❌" in out and hint in out


# ---------------------------------------------------------------------- (c) NetworkPolicy
def test_policy_accepted(capsys):
    assert L.check_backend_policy(POLICY)
    out = quiet(capsys)
    assert out.count("✅") == 4 and "❌" not in out


@pytest.mark.parametrize("wrong, hint", [
    # no ports: the admin port 9090 stays open to the frontend
    (POLICY.replace("    ports:\n    - protocol: TCP\n      port: 8080\n", ""), "only port 8080"),
    # any namespace's frontend gets in
    (POLICY.replace("    - podSelector:\n", "    - namespaceSelector: {}\n      podSelector:\n"),
     "namespaceSelector"),
    # policy in the wrong namespace: nothing is isolated
    (POLICY.replace("namespace: shop", "namespace: default"), "Nothing is dropped"),
    # selects the frontend instead of the backend
    (POLICY.replace("      app: backend\n  policyTypes", "      app: frontend\n  policyTypes"), "Nothing is dropped"),
    # from: all Pods of the namespace (the intruder too)
    (POLICY.replace("        matchLabels:\n          app: frontend\n", "        {}\n"), "from` podSelector"),
    # an egress policy does not protect the backend
    (POLICY.replace("  - Ingress\n  ingress:\n  - from:", "  - Egress\n  egress:\n  - to:"), "Nothing is dropped"),
    ("kind: Service", "YAML text of a NetworkPolicy"),
])
def test_policy_rejects(wrong, hint, capsys):
    assert not L.check_backend_policy(wrong)
    out = quiet(capsys)
    assert "❌" in out and hint in out


def test_not_implemented_is_a_friendly_line(capsys):
    from kubesim.checks import checking
    with checking("task") as c:
        raise NotImplementedError
    assert not c and "Not yet" in quiet(capsys)
