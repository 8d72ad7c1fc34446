"""The pure Raft state machine: one rule at a time, then scenarios in the spirit of the MIT
6.5840 Raft lab (Figure 8 on an unreliable network), the paper's Figure 8 replay, and the
Figure 16 failover experiment."""
from __future__ import annotations

import math
import random
import time

import pytest

from kubesim.etcd import failover_experiment
from kubesim.etcd.experiments import summary
from kubesim.etcd.loop import RaftLoop
from kubesim.etcd.raft import (CANDIDATE, FOLLOWER, LEADER, MSG_APP, MSG_APP_RESP, MSG_HEARTBEAT,
                               MSG_PRE_VOTE, MSG_VOTE, MSG_VOTE_RESP, PRE_CANDIDATE, Config, Entry,
                               Message, RaftNode, Storage, majority_commit_rule)
from kubesim.etcd.safety import SafetyMonitor, log_matching_problem
from kubesim.etcd.scenarios import figure8

NAMES = ["a", "b", "c"]
FAST = dict(heartbeat_ms=10, election_timeout_ms=(100, 200))


def count_replicas_rule(matches, term_of, current_term):
    """The wrong rule of Figure 8: commit whatever a majority stores, whatever its term."""
    return sorted(matches, reverse=True)[len(matches) // 2]


def elected(loop: RaftLoop, within_ms: float = 2000) -> str:
    loop.run_for(within_ms, stop=lambda: loop.leader() is not None)
    assert loop.leader() is not None
    return loop.leader()


# ---------------------------------------------------------------------------- single rules
def test_election_timeout_is_randomized_in_etcds_range():
    node = RaftNode("a", NAMES, config=Config(election_timeout_ms=1000))
    draws = []
    for _ in range(200):
        node._reset_randomized_election_timeout()
        draws.append(node.randomized_election_timeout)
    assert 1000 <= min(draws) and max(draws) < 2000
    assert max(draws) - min(draws) > 500


def test_a_follower_campaigns_after_its_election_timeout():
    node = RaftNode("a", NAMES, config=Config(pre_vote=False, **FAST))
    node.tick(node.next_timeout_ms() - 1)
    assert node.role == FOLLOWER and not node.ready().messages
    node.tick(1)
    assert node.role == CANDIDATE and node.term == 1 and node.vote == "a"
    votes = [m for m in node.ready().messages if m.type == MSG_VOTE]
    assert sorted(m.to for m in votes) == ["b", "c"]


def test_prevote_does_not_raise_the_term():
    node = RaftNode("a", NAMES, config=Config(**FAST))
    node.tick(node.next_timeout_ms())
    assert node.role == PRE_CANDIDATE and node.term == 0 and node.vote is None
    assert {m.type for m in node.ready().messages} == {MSG_PRE_VOTE}


def test_vote_only_once_per_term_even_after_a_restart():
    storage = Storage()
    node = RaftNode("c", NAMES, storage, Config(pre_vote=False, **FAST))
    node.step(Message(MSG_VOTE, "a", "c", term=1))
    assert storage.vote == "a" and storage.term == 1
    restarted = RaftNode("c", NAMES, storage, Config(pre_vote=False, **FAST))
    restarted.step(Message(MSG_VOTE, "b", "c", term=1))
    answer = [m for m in restarted.ready().messages if m.type == MSG_VOTE_RESP][0]
    assert answer.reject and storage.vote == "a"


def test_vote_refused_to_a_candidate_with_a_less_up_to_date_log():
    storage = Storage(term=2, entries=[Entry(1, 1), Entry(2, 2)])
    node = RaftNode("c", NAMES, storage, Config(pre_vote=False, **FAST))
    node.step(Message(MSG_VOTE, "a", "c", term=3, index=5, log_term=1))     # longer, older term
    assert [m.reject for m in node.ready().messages] == [True]
    node.step(Message(MSG_VOTE, "b", "c", term=3, index=2, log_term=2))     # as up to date
    assert [m.reject for m in node.ready().messages] == [False]


def test_append_rejected_with_a_hint_that_skips_a_divergent_tail():
    # etcd's example: leader terms 1 3 3 3 3 3 3 3 7, follower 1 3 3 4 4 5 5 5 6.
    follower = [1, 3, 3, 4, 4, 5, 5, 5, 6]
    storage = Storage(term=6, entries=[Entry(t, i + 1) for i, t in enumerate(follower)])
    node = RaftNode("b", NAMES, storage, Config(**FAST))
    node.step(Message(MSG_APP, "a", "b", term=7, index=8, log_term=3))
    reply = node.ready().messages[0]
    assert reply.type == MSG_APP_RESP and reply.reject
    assert (reply.reject_hint, reply.log_term) == (3, 3)    # the next probe at 3 succeeds


def test_commit_index_never_moves_past_the_last_new_entry():
    """Figure 2, AppendEntries step 5: commitIndex = min(leaderCommit, index of last new entry)
    — not the end of the follower's log, whose tail may be a stale term's."""
    storage = Storage(term=2, entries=[Entry(1, 1), Entry(2, 2), Entry(2, 3)])
    node = RaftNode("b", NAMES, storage, Config(**FAST))
    node.step(Message(MSG_APP, "a", "b", term=3, index=1, log_term=1, entries=(Entry(2, 2),),
                      commit=3))
    assert node.commit_index == 2 and node.ready().messages[0].index == 2


def test_fast_backup_repairs_a_long_divergent_log_in_few_round_trips():
    # "b" holds 40 uncommitted entries of term 2; the leader "a" has 30 of term 3 instead.
    good = [Entry(1, 1, "x")] + [Entry(3, i, ("a", i)) for i in range(2, 32)]
    stale = [Entry(1, 1, "x")] + [Entry(2, i, "junk") for i in range(2, 42)]
    storages = {"a": Storage(term=3, vote="a", commit=1, entries=list(good)),
                "b": Storage(term=2, commit=1, entries=list(stale)),
                "c": Storage(term=3, vote="a", commit=1, entries=list(good))}
    loop = RaftLoop(NAMES, Config(pre_vote=False, **FAST), seed=3, storages=storages)
    rejections = []
    loop.on_send.append(lambda m, _t, _a: rejections.append(m)
                        if m.type == MSG_APP_RESP and m.reject else None)
    loop.nodes["a"].assume_leadership()
    loop._after("a")
    loop.run_for(300)
    assert loop.storage["b"].entries == loop.storage["a"].entries
    assert len(rejections) <= 2        # one probe per term, not one per entry (40)


def test_commit_only_counts_replicas_of_the_current_term():
    terms = {1: 1, 2: 2, 3: 4}
    assert majority_commit_rule([3, 3, 2, 0, 0], terms.get, 4) == 0      # 2@2 on a majority: no
    assert majority_commit_rule([3, 3, 3, 0, 0], terms.get, 4) == 3      # 3@4 on a majority: yes
    assert count_replicas_rule([3, 3, 2, 0, 0], terms.get, 4) == 2


def test_check_quorum_makes_an_isolated_leader_step_down():
    loop = RaftLoop(NAMES, Config(**FAST), seed=5)
    leader = elected(loop)
    loop.partition([[leader], [n for n in NAMES if n != leader]])
    term = loop.nodes[leader].term
    loop.run_for(250)                       # more than one election timeout (100 ms)
    assert loop.nodes[leader].role != LEADER
    assert loop.nodes[leader].term == term  # and PreVote keeps it from inflating its term


def test_a_new_leader_answers_reads_only_after_committing_in_its_term():
    node = RaftNode("a", ["a", "b", "c"], Storage(term=1, vote="a"), Config(**FAST))
    node.assume_leadership()
    node.ready()
    assert node.read_index("r1") and not node.read_states
    node.step(Message(MSG_APP_RESP, "b", "a", term=1, index=1))     # empty entry committed
    node.step(Message("MsgHeartbeatResp", "b", "a", term=1, context="r1"))
    assert [(rs.index, rs.ctx) for rs in node.ready().read_states] == [(1, "r1")]


def test_persistent_state_survives_a_restart():
    loop = RaftLoop(NAMES, Config(**FAST), seed=2)
    leader = elected(loop)
    for i in range(5):
        loop.propose(leader, (leader, i))
    loop.run_for(100)
    term, log = loop.storage[leader].term, list(loop.storage[leader].entries)
    loop.crash(leader)
    loop.restart(leader)
    node = loop.nodes[leader]
    assert node.term == term and node.log.entries == log and node.role == FOLLOWER
    assert node.applied_index == len(loop.applied[leader])


def test_log_matching_checker_finds_a_divergence():
    a = [Entry(1, 1, "x"), Entry(2, 2, "y"), Entry(3, 3, "z")]
    b = [Entry(1, 1, "x"), Entry(1, 2, "q"), Entry(3, 3, "z")]
    assert log_matching_problem(a, a) is None
    assert "differ at index 2" in log_matching_problem(a, b)


# ---------------------------------------------------------------------------- 6.5840 scenarios
def test_initial_election_and_no_change_without_failures():
    loop = RaftLoop(NAMES, Config(**FAST), seed=1)
    leader = elected(loop, 500)
    term = loop.nodes[leader].term
    loop.run_for(2000)
    assert loop.leader() == leader and all(loop.nodes[n].term == term for n in NAMES)


def test_reelection_after_leader_loss_and_none_without_quorum():
    loop = RaftLoop(NAMES, Config(**FAST), seed=4)
    first = elected(loop)
    loop.crash(first)
    second = elected(loop, 1000)
    assert second != first
    loop.crash(second)
    loop.run_for(2000)
    assert loop.leader() is None, "one member of three cannot lead"
    loop.restart(first)
    assert elected(loop, 1500) in NAMES


def test_agreement_despite_follower_failure():
    loop = RaftLoop(NAMES, Config(**FAST), seed=6)
    monitor = SafetyMonitor(loop)
    leader = elected(loop)
    follower = next(n for n in NAMES if n != leader)
    loop.crash(follower)
    for i in range(10):
        loop.propose(leader, (leader, i))
    loop.run_for(200)
    assert len(monitor.acknowledged) == 10
    loop.restart(follower)
    loop.run_for(300)
    assert [e.data for e in loop.applied[follower]] == [e.data for e in loop.applied[leader]]


def test_rejoin_of_partitioned_leader_discards_its_uncommitted_entries():
    names = [f"n{i}" for i in range(5)]
    loop = RaftLoop(names, Config(**FAST), seed=9)
    monitor = SafetyMonitor(loop)
    old = elected(loop)
    minority = [old, next(n for n in names if n != old)]
    loop.partition([minority, [n for n in names if n not in minority]])
    loop.propose(old, (old, "lost"))
    loop.run_for(500)
    new = loop.leader()
    assert new not in minority
    loop.propose(new, (new, "kept"))
    loop.run_for(100)
    loop.heal()
    loop.run_for(500)
    monitor.check_log_matching()
    assert monitor.ok, monitor.violations
    for n in names:
        datas = [e.data for e in loop.storage[n].entries]
        assert (new, "kept") in datas and (old, "lost") not in datas


NAMES5 = [f"etcd-{i}" for i in range(1, 6)]


def figure8_unreliable(seed: int, rule=majority_commit_rule, iterations: int = 1500) -> SafetyMonitor:
    """6.5840 TestFigure8Unreliable: writes to the leader, then often cut the leader off;
    lossy, reordering network; at least 3 of 5 connected; one entry per MsgApp."""
    config = Config(commit_rule=rule, max_entries_per_msg=1, **FAST)
    loop = RaftLoop(NAMES5, config, seed=seed, latency_ms=(1.0, 6.0), fsync_ms=(0.5, 2.0))
    loop.loss, loop.fifo = 0.1, False
    monitor = SafetyMonitor(loop)
    rng = random.Random(seed)
    cut: set = set()
    for i in range(iterations):
        leader = loop.leader()
        if leader and leader not in cut:
            loop.propose(leader, (leader, i))
        loop.run_for(rng.uniform(0, 50) if rng.random() < 0.1 else rng.uniform(0, 5))
        if leader and leader not in cut and rng.random() < 0.5:
            cut.add(leader)
        if len(NAMES5) - len(cut) < 3 or len(cut) > 2:
            cut.discard(rng.choice(NAMES5))
        loop.partition([[n] for n in sorted(cut)] + [[n for n in NAMES5 if n not in cut]])
        if not monitor.ok:
            break
    monitor.check_log_matching()
    return monitor


@pytest.mark.parametrize("seed", range(6))
def test_figure8_unreliable_keeps_raft_safe(seed):
    monitor = figure8_unreliable(seed)
    assert monitor.ok, monitor.violations


def test_figure8_unreliable_catches_the_wrong_commit_rule():
    """The test above is strong enough: with the Figure 8 bug, some seed breaks safety."""
    assert any(not figure8_unreliable(seed, count_replicas_rule).ok for seed in range(12))


def test_figure8_replay():
    good = figure8()
    assert good.safe and not good.committed_in_c
    bad = figure8(count_replicas_rule)
    assert bad.committed_in_c and not bad.safe
    assert any("State Machine Safety" in v for v in bad.violations)
    labels = [label for label, _ in bad.steps]
    assert labels[1].startswith("(a)") and labels[-1].startswith("(d)")


# ---------------------------------------------------------------------------- Figure 16
def test_failover_experiment_runs_1000_trials_in_seconds_and_is_deterministic():
    started = time.perf_counter()
    downtimes = failover_experiment(members=5, election_timeout_ms=(150, 300), broadcast_ms=15,
                                    trials=1000, seed=0)
    assert time.perf_counter() - started < 10
    assert len(downtimes) == 1000 and downtimes == failover_experiment(trials=1000, seed=0)
    stats = summary(downtimes)
    assert 75 <= min(downtimes)                      # about half the minimum election timeout
    assert 120 < stats["median"] < 300 and stats["unfinished"] == 0


def test_a_little_randomness_removes_split_votes():
    """The paper's conclusion (§9.3): no randomness means repeated split votes."""
    none = summary(failover_experiment(election_timeout_ms=(150, 150), trials=60, seed=1))
    little = summary(failover_experiment(election_timeout_ms=(150, 155), trials=300, seed=1))
    more = summary(failover_experiment(election_timeout_ms=(150, 200), trials=300, seed=1))
    assert none["median"] > 2 * little["median"]
    assert more["max"] < none["max"] and more["p90"] <= little["p90"]
    assert math.isfinite(more["max"])
