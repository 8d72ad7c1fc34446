"""Lesson 06's exercise checks: the solutions pass, plausible wrong answers get a specific hint."""
from __future__ import annotations

import pytest

from kubesim.checks import checking
from kubesim.lessons import lesson06 as L

COMMAND = '        command: ["sh", "-c", "nginx -t -c /etc/nginx/orders.conf || exit 3"]\n'
FIXED = L.BROKEN_SHOP.replace(COMMAND, "").replace("nginx:1.72", "nginx:1.27")

TOLERATION = """\
      tolerations:
      - key: {key}
        operator: Exists
        effect: {effect}
{seconds}      containers:
"""


def with_toleration(key="node.kubernetes.io/unreachable", effect="NoExecute", seconds=30) -> str:
    line = f"        tolerationSeconds: {seconds}\n" if seconds is not None else ""
    return L.CHECKOUT.replace("      containers:\n",
                              TOLERATION.format(key=key, effect=effect, seconds=line))


def run(check, *answer, capsys):
    result = check(*answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out


# ---------------------------------------------------------------------- the scenario itself
def test_the_broken_shop_shows_both_failures():
    shop = L.broken_shop()
    table = shop.kubectl("get pods")
    assert "CrashLoopBackOff" in table and "ImagePullBackOff" in table
    orders = shop.list("Pod", "default", selector="app=orders")[0]["metadata"]["name"]
    assert "Exit Code:    3" in shop.kubectl(f"describe pod {orders}")
    frontend = shop.list("Pod", "default", selector="app=frontend")[0]["metadata"]["name"]
    assert 'Failed to pull image "nginx:1.72"' in shop.kubectl(f"describe pod {frontend}")


# ---------------------------------------------------------------------- task (a): diagnosis
def test_exit_code_right(capsys):
    result, out = run(L.check_exit_code, 3, capsys=capsys)
    assert result and "✅ exit code 3" in out


@pytest.mark.parametrize("answer, hint", [
    (1, "Last State: Terminated"),
    (137, "`Exit Code` line"),
    ("3", "as a number"),
    (True, "as a number"),
])
def test_exit_code_wrong(answer, hint, capsys):
    result, out = run(L.check_exit_code, answer, capsys=capsys)
    assert not result and "❌" in out and hint in out


@pytest.mark.parametrize("answer", ["nginx:1.72", " nginx:1.72 ", "docker.io/library/nginx:1.72"])
def test_bad_image_right(answer, capsys):
    result, out = run(L.check_bad_image, answer, capsys=capsys)
    assert result and "✅" in out and "ImagePullBackOff" in out


@pytest.mark.parametrize("answer, hint", [
    ("nginx:1.27", "which tag exactly"),
    ("nginx", "which tag exactly"),
    ("ngnix:1.72", "quote the exact reference"),
    (None, "as text"),
])
def test_bad_image_wrong(answer, hint, capsys):
    result, out = run(L.check_bad_image, answer, capsys=capsys)
    assert not result and "❌" in out and hint in out


def test_unanswered_diagnosis_says_not_yet(capsys):
    with checking("task (a), the diagnosis") as c:
        L.check_exit_code(exit_code)  # noqa: F821 - the learner did not run the cell
    assert not c and "`exit_code` has no value" in capsys.readouterr().out


# ---------------------------------------------------------------------- task (a): the fix
def test_fixed_shop_passes(capsys):
    result, out = run(L.check_fixed_shop, FIXED, capsys=capsys)
    assert result, out
    assert "orders: 2/2 Pods Running and Ready" in out and "frontend: 2/2 Pods Running and Ready" in out


@pytest.mark.parametrize("manifest, hints", [
    (L.BROKEN_SHOP, ["orders: the containers still end", "frontend: the Pods are not running"]),
    (L.BROKEN_SHOP.replace("nginx:1.72", "nginx:1.27"), ["replaces the image's own program"]),
    (FIXED.replace("image: nginx:1.25", 'image: nginx:1.25\n        command: ["sh", "-c", "exit 0"]'),
     ["even `exit 0` would be restarted"]),
    (L.BROKEN_SHOP.replace(COMMAND, "").replace("nginx:1.72", "ngnix:1.27"), ["Use a tag the registry has"]),
    (FIXED.replace("name: frontend\nspec", "name: web\nspec"), ["frontend is missing"]),
    (FIXED.replace("replicas: 2\n  selector:\n    matchLabels:\n      app: orders",
                   "replicas: 0\n  selector:\n    matchLabels:\n      app: orders"), ["keep its replicas"]),
    (FIXED.replace("kind: Deployment", "kind: Deploymnet", 1), ["kubectl apply refused it"]),
    ("", ["should be the YAML text"]),
])
def test_fixed_shop_wrong(manifest, hints, capsys):
    result, out = run(L.check_fixed_shop, manifest, capsys=capsys)
    assert not result
    for hint in hints:
        assert hint in out, out


# ---------------------------------------------------------------------- task (b): failover
def test_fast_failover_passes(capsys):
    result, out = run(L.check_fast_failover, with_toleration(), capsys=capsys)
    assert result, out
    assert "all 3 replicas were Running and Ready on other nodes" in out


def test_fast_failover_measures_about_grace_plus_toleration(capsys):
    for seconds in (0, 30):
        result, out = run(L.check_fast_failover, with_toleration(seconds=seconds), capsys=capsys)
        took = int(out.split("Ready on other nodes ")[1].split(" s later")[0])
        assert 40 + seconds <= took <= 62 + seconds, out


@pytest.mark.parametrize("manifest, hint", [
    (with_toleration(key="node.kubernetes.io/not-ready"), "a node that crashed is tainted `node.kubernetes.io/unreachable"),
    (with_toleration(seconds=None), "tolerates the taint *forever*"),
    (with_toleration(effect="NoSchedule"), "effect must be 'NoExecute' when `tolerationSeconds` is set"),
    (with_toleration(effect="NoSchedule", seconds=None), "use `effect: NoExecute`"),
    (with_toleration(seconds=200), "is too long"),
    (L.CHECKOUT, "carry only the API server's defaults"),
    (with_toleration().replace("name: checkout\nspec", "name: cart\nspec"), "named checkout"),
    (with_toleration().replace("replicas: 3", "replicas: 1"), "at least 2 replicas"),
    ("kind: [", "does not parse"),
])
def test_slow_or_wrong_failover_rejected(manifest, hint, capsys):
    result, out = run(L.check_fast_failover, manifest, capsys=capsys)
    assert not result
    assert "❌" in out and hint in out, out
