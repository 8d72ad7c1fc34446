"""Lesson 02's exercise checks accept the solution and reject plausible wrong answers."""
from __future__ import annotations

import pytest

from kubesim.lessons import lesson02 as L

RIGHT = {"A": "authentication", "B": "authorization", "C": "admission", "D": "validation"}


def test_the_story_refuses_at_four_different_stages():
    cluster, outputs = L.refusal_story()
    assert L.expected_refusals(cluster) == RIGHT
    assert outputs["A"] == "error: You must be logged in to the server (Unauthorized)"
    assert "cannot impersonate" in outputs["B"]
    assert "exceeded quota" in outputs["C"]
    assert outputs["D"].startswith('The Deployment "web-app" is invalid')


def test_refusals_solution_accepted_with_friendly_names(capsys):
    assert L.check_refusals(RIGHT)
    assert L.check_refusals({"A": "authn", "B": "RBAC", "C": "ResourceQuota", "D": "422"})
    assert capsys.readouterr().out.count("✅") == 8


@pytest.mark.parametrize("wrong, hint", [
    # B is a 403: impersonation is *authorized* (verb impersonate), not authenticated
    ({**RIGHT, "B": "authentication"}, "which stage checks permissions"),
    # a quota is an admission plugin, not field validation
    ({**RIGHT, "C": "validation"}, "which stage runs plugins"),
    # a made-up token never gets to authorization
    ({**RIGHT, "A": "authorization"}, "which stage names the user"),
    ({"A": "authentication"}, 'keys "A", "B", "C" and "D"'),
])
def test_refusals_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_refusals(wrong)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_audit_solution_accepted(capsys):
    assert L.check_audit("deploy-bot", "bob")
    assert capsys.readouterr().out.count("✅") == 2


@pytest.mark.parametrize("who_asked, acting_as, hint", [
    ("bob", "bob", "authenticated"),                  # the impersonated user is not who asked
    ("mallory", "mallory", "a refused delete does not count"),
    ("deploy-bot", "deploy-bot", "impersonatedUser"),
])
def test_audit_wrong_answers_rejected(who_asked, acting_as, hint, capsys):
    assert not L.check_audit(who_asked, acting_as)
    out = capsys.readouterr().out
    assert "❌" in out and hint in out and "Traceback" not in out


def test_figures_build():
    cluster, _ = L.refusal_story()
    fig = L.pipeline_figure(L.requests(cluster))
    assert 0 < len(fig.frames) <= 100
    ha, log = L.ha_story(seconds=12)
    assert all("web-app" in out for _t, _s, out in log)      # nothing failed during the crash
    assert L.ha_figure(ha, log).data
    assert L.fanout_figure(ha, 0, 5).data
