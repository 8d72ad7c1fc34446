"""Raft's safety properties over random fault schedules (hypothesis).

Each example drives five pure :class:`~kubesim.etcd.raft.RaftNode`\\ s with the tiny event
loop through a random schedule of crashes, restarts, partitions, message loss and
reordering, mixed with client writes, and checks at every step (the paper's Figure 3):
Election Safety, Log Matching, Leader Completeness and State Machine Safety.  After the
schedule the network heals, every member restarts, and no acknowledged write may be lost.

Timing is scaled down (heartbeat 10 ms, election timeout [100, 200) ms) so that each
schedule covers many elections in little wall-clock time; the derandomized search makes
CI deterministic.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubesim.etcd.loop import RaftLoop
from kubesim.etcd.raft import Config
from kubesim.etcd.safety import SafetyMonitor

NAMES = [f"etcd-{i}" for i in range(1, 6)]
FAST = dict(heartbeat_ms=10, election_timeout_ms=(100, 200))

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

member = st.integers(0, len(NAMES) - 1)
#: Actions that name a member, and actions aimed at whoever leads at that moment (the
#: pattern of the MIT 6.5840 Figure 8 tests: write to the leader, crash the leader ...).
action = st.one_of(
    st.tuples(st.just("crash"), member),
    st.tuples(st.just("restart"), member),
    st.tuples(st.just("restart"), member),
    st.tuples(st.just("partition"), st.lists(st.integers(0, 2), min_size=len(NAMES),
                                              max_size=len(NAMES))),
    st.tuples(st.just("heal")),
    st.tuples(st.just("put"), member, st.integers(1, 3)),
    st.tuples(st.just("put-leader"), st.integers(1, 4)),
    st.tuples(st.just("put-leader"), st.integers(1, 4)),
    st.tuples(st.just("crash-leader")),
    st.tuples(st.just("isolate-leader"), member),
    st.tuples(st.just("loss"), st.sampled_from([0.0, 0.05, 0.2, 0.5])),
    st.tuples(st.just("reorder"), st.booleans()),
)
#: Each step: an action, then time passes (up to ~3 election timeouts).
step = st.tuples(action, st.integers(0, 500))
schedules = st.lists(step, min_size=8, max_size=40)


def run_schedule(schedule, config: Config, seed: int = 0):
    loop = RaftLoop(NAMES, config, seed=seed, latency_ms=(1.0, 6.0), fsync_ms=(0.5, 2.0))
    monitor = SafetyMonitor(loop)
    loop.run_for(400)                           # a first leader, usually
    writes = 0
    for action, pause in schedule:
        kind = action[0]
        if kind == "crash":
            loop.crash(NAMES[action[1]])
        elif kind == "restart":
            loop.restart(NAMES[action[1]])
        elif kind == "partition":
            groups = [[n for n, g in zip(NAMES, action[1]) if g == k] for k in range(3)]
            loop.partition([g for g in groups if g])
        elif kind == "heal":
            loop.heal()
        elif kind == "put":
            for _ in range(action[2]):
                writes += 1
                loop.propose(NAMES[action[1]], (NAMES[action[1]], writes))
        elif kind == "put-leader":
            leader = loop.leader()
            for _ in range(action[1] if leader else 0):
                writes += 1
                loop.propose(leader, (leader, writes))
        elif kind == "crash-leader":
            if loop.leader():
                loop.crash(loop.leader())
        elif kind == "isolate-leader":
            leader = loop.leader()
            if leader:
                alone = {leader, NAMES[action[1]]}
                loop.partition([sorted(alone), [n for n in NAMES if n not in alone]])
        elif kind == "loss":
            loop.loss = action[1]
        elif kind == "reorder":
            loop.fifo = not action[1]
        loop.run_for(pause)
        monitor.check_log_matching()
        assert monitor.ok, monitor.violations
    return loop, monitor


def heal_and_settle(loop: RaftLoop, monitor: SafetyMonitor) -> None:
    """Heal everything, restart everyone, and make the leader commit in its own term."""
    loop.heal()
    loop.loss = 0.0
    loop.fifo = True
    for name in NAMES:
        loop.restart(name)
    loop.run_for(1500)
    leader = loop.leader()
    assert leader is not None, "no leader after healing"
    loop.propose(leader, (leader, "final"))
    loop.run_for(500)
    monitor.check_log_matching()
    assert monitor.ok, monitor.violations


def check_no_acknowledged_write_lost(loop: RaftLoop, monitor: SafetyMonitor) -> None:
    lost = monitor.lost_acknowledged()
    assert not lost, f"acknowledged writes lost: {lost}"
    applied = [[e for e in loop.applied[n]] for n in NAMES]
    assert all(a == applied[0] for a in applied), "members applied different logs"


@settings(max_examples=120, **SETTINGS)
@given(schedules)
def test_safety_with_etcd_options(schedule):
    """PreVote and CheckQuorum on (etcd's defaults)."""
    loop, monitor = run_schedule(schedule, Config(**FAST))
    heal_and_settle(loop, monitor)
    check_no_acknowledged_write_lost(loop, monitor)


@settings(max_examples=60, **SETTINGS)
@given(schedules)
def test_safety_as_in_the_paper(schedule):
    """Figure 2 as written: no PreVote, no CheckQuorum."""
    config = Config(pre_vote=False, check_quorum=False, reset_timer_on_new_term=False, **FAST)
    loop, monitor = run_schedule(schedule, config)
    heal_and_settle(loop, monitor)
    check_no_acknowledged_write_lost(loop, monitor)


@settings(max_examples=40, **SETTINGS)
@given(schedules, st.integers(1, 4))
def test_safety_with_one_entry_per_message(schedule, seed):
    """etcd's MaxSizePerMsg=0 (one entry per MsgApp): more probing, more partial logs."""
    config = Config(max_entries_per_msg=1, **FAST)
    loop, monitor = run_schedule(schedule, config, seed=seed)
    heal_and_settle(loop, monitor)
    check_no_acknowledged_write_lost(loop, monitor)
