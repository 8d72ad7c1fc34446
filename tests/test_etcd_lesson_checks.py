"""Lesson 03's exercise checks accept the solutions and reject plausible wrong answers;
its measurements and figures come from the simulation."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest
import simpy

from kubesim.etcd import EtcdCluster, viz
from kubesim.lessons import lesson03 as L


def out_of(capsys) -> str:
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return out


# ---------------------------------------------------------------------------- measurements
def test_measured_quorum_table():
    rows = L.measure_quorum()
    assert [(r["members"], r["quorum"], r["tolerated"]) for r in rows] == [
        (1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2), (6, 4, 2), (7, 4, 3)]
    assert "members" in L.quorum_table(rows)
    assert isinstance(viz.quorum_figure(rows), go.Figure)


def test_reelection_with_etcd_defaults_takes_about_one_to_two_seconds():
    times = L.reelection_times(members=5, trials=10)
    assert all(0.9 <= t <= 2.2 for t in times)


def test_kubernetes_freeze_story():
    story = L.kubernetes_freeze()
    assert story["scale"] == "Error from server: etcdserver: request timed out"
    assert story["containers_during"] == story["containers_before"] == 3
    assert story["scale_after"] == "deployment.apps/web-app scaled"
    assert story["after"].count("Running") == 5


# ---------------------------------------------------------------------------- task 1
def test_tolerance_solution_accepted(capsys):
    assert L.check_tolerance({3: 1, 4: 1, 5: 2})
    assert out_of(capsys).count("✅") == 3


@pytest.mark.parametrize("wrong", [{3: 1, 4: 2, 5: 2}, {3: 2, 4: 2, 5: 3}, {3: 1, 4: 1, 5: 1},
                                   [1, 1, 2], {3: 1}])
def test_tolerance_wrong_answers_rejected(wrong, capsys):
    assert not L.check_tolerance(wrong)
    assert "❌" in out_of(capsys)


# ---------------------------------------------------------------------------- task 2
def test_stop_writes_solution_accepted(capsys):
    assert L.check_stop_writes(["etcd-1", "etcd-2", "etcd-3"])
    assert L.check_stop_writes(["etcd-5", "etcd-2", "etcd-4"])
    assert "❌" not in out_of(capsys)


@pytest.mark.parametrize("wrong, hint", [
    (["etcd-1", "etcd-2"], "crash more"),
    (["etcd-1", "etcd-2", "etcd-3", "etcd-4"], "more than needed"),
    (["etcd-1", "etcd-1", "etcd-2"], "duplicates"),
    (["etcd-0", "etcd-1", "etcd-2"], "not a member"),
    ("etcd-1, etcd-2, etcd-3", "list"),
])
def test_stop_writes_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_stop_writes(wrong)
    out = out_of(capsys)
    assert "❌" in out and hint in out


# ---------------------------------------------------------------------------- task 3
def restore_solution(snapshot_first: bool = True, members: int = 3):
    env = simpy.Environment()
    etcd = L.team_cluster(env)
    snap = etcd.snapshot() if snapshot_first else None
    written = L.disaster(etcd)
    if snap is None:
        snap = etcd.members["etcd-1"] and EtcdCluster(env, members=1).snapshot()
    restored = EtcdCluster.restore(env, snap, members=members)
    restored.wait_for_leader()
    lost = [k for k in written if restored.call(restored.get(k)) is None
            or restored.call(restored.get(k)).value != L.DISASTER_WRITES[k]]
    return etcd, restored, lost


def test_restore_solution_accepted(capsys):
    _, restored, lost = restore_solution()
    assert sorted(lost) == ["/config/feature-flags", "/config/payment-provider"]
    assert L.check_restore(restored, lost)
    assert "❌" not in out_of(capsys)


def test_restore_wrong_answers_rejected(capsys):
    old, restored, lost = restore_solution()
    assert not L.check_restore(old, lost)                                  # the dead cluster
    assert "no leader" in out_of(capsys)
    assert not L.check_restore(restored, ["/config/payment-provider"])    # missed the changed key
    assert "feature-flags" in out_of(capsys)
    _, empty, lost = restore_solution(snapshot_first=False)               # snapshot of nothing
    assert not L.check_restore(empty, lost)
    assert "snapshot" in out_of(capsys)
    _, single, lost = restore_solution(members=1)
    assert not L.check_restore(single, lost)
    assert "3 members" in out_of(capsys)
    assert not L.check_restore("restored", lost)
    out_of(capsys)


# ---------------------------------------------------------------------------- task 4
def fixed_commit_rule(matches, term_of, current_term):
    quorum = len(matches) // 2 + 1
    index = sorted(matches, reverse=True)[quorum - 1]
    return index if term_of(index) == current_term else 0


def test_commit_rule_solution_accepted(capsys):
    assert L.check_commit_rule(fixed_commit_rule)
    assert out_of(capsys).count("✅") == 3


@pytest.mark.parametrize("wrong, hint", [
    (L.buggy_commit_rule, "Figure 8"),
    (lambda matches, term_of, term: 0, "too strict"),                                  # never commits
    (lambda matches, term_of, term: min(matches) if term_of(min(matches)) == term else 0,
     "too strict"),                                                                    # needs everyone
    (lambda matches, term_of, term: (lambda i: i if term_of(i) == term else 0)(
        sorted(matches, reverse=True)[1]), "a majority stores it"),                               # 2 of 5
    ("majority", "function"),
])
def test_commit_rule_wrong_answers_rejected(wrong, hint, capsys):
    assert not L.check_commit_rule(wrong)
    out = out_of(capsys)
    assert "❌" in out and hint in out


# ---------------------------------------------------------------------------- playground & figures
def test_playground_buttons_work_without_a_browser():
    p = L.EtcdPlayground(members=3, seed=1)
    assert "leader" in p.status_text()
    leader = p.etcd.leader()
    p.member.value = leader
    p.buttons["crash"].click()
    assert p.etcd.leader() not in (None, leader)
    p.buttons["write"].click()
    assert "committed at revision" in p.status_text()
    p.member.value = p.etcd.leader()
    p.buttons["isolate"].click()
    p.buttons["heal"].click()
    p.member.value = leader
    p.buttons["restart"].click()
    assert all(s["up"] for s in p.etcd.status())
    assert p.figure.outputs and p.status.outputs


def test_election_figure_is_built_from_the_trace_alone():
    etcd = EtcdCluster(simpy.Environment(), members=5, seed=0)
    etcd.run(3)
    fig = viz.election_figure(etcd.trace, start=0.9, end=3)
    assert isinstance(fig, go.Figure) and 2 <= len(fig.frames) <= 100
    assert any("leader etcd-" in f.layout.title.text for f in fig.frames)
    snap = viz.log_snapshot(etcd)
    assert {m["name"] for m in snap["members"]} == set(etcd.names)
    assert isinstance(viz.log_figure(snap), go.Figure)
