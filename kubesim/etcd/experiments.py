"""Measurements on the pure Raft state machine (no simpy): Figure 16 of the Raft paper.

:func:`failover_experiment` repeats the paper's §9.3 leader-failover trial:

    "we repeatedly crashed the leader of a cluster of five servers and timed how long it
    took to detect the crash and elect a new leader ... the servers in each trial had
    different log lengths, so some candidates were not eligible to become leader.
    Furthermore, to encourage split votes, our test script triggered a synchronized
    broadcast of heartbeat RPCs from the leader before terminating its process ... The
    leader was crashed uniformly randomly within its heartbeat interval, which was half of
    the minimum election timeout for all tests."  (Figure 16: broadcast time ≈ 15 ms.)

Each trial here: the followers' logs have different lengths (all but one follower behind
by 0, 1, 2 … entries); at t = 0 the old leader broadcasts one heartbeat; it crashes at a
uniformly random time in [0, heartbeat interval); the *downtime* runs from the crash until
every other surviving server has received the new leader's first heartbeat (etcd's
new leader announces itself with a MsgApp carrying its empty entry).

Timing: a one-way network delay of 0.5–1 ms (a LAN) plus, before a server answers a vote
or an append, a disk write (fsync of its vote or entries, ±20 %) sized so that a request
and its answer take ``broadcast_ms`` on average — the paper's servers persisted votes and
entries before answering too, and that is what made up most of their 15 ms.

``rules="paper"`` runs Raft as Figure 2 states it (no PreVote, no CheckQuorum, a
follower's election timer restarts only on a heartbeat or a granted vote); ``"etcd"``
runs etcd's variant (PreVote and CheckQuorum on, the timer also restarts on a new term).
"""
from __future__ import annotations

import math
from typing import Optional

from ..rand import component_rng
from .loop import RaftLoop
from .raft import MSG_APP, MSG_HEARTBEAT, Config, Entry, Message, Storage

OLD_TERM = 2
LOG_LENGTH = 10
#: One-way network delay (ms) in the failover trials: a LAN.
NETWORK_MS = (0.5, 1.0)


def failover_experiment(members: int = 5, election_timeout_ms=(150, 300), broadcast_ms: float = 15,
                        trials: int = 1000, seed: int = 0, *, rules: str = "paper",
                        heartbeat_ms: Optional[float] = None, max_ms: float = 10_000.0) -> list[float]:
    """Downtimes (ms) of ``trials`` leader crashes, one per trial (see the module docstring).

    ``election_timeout_ms`` is a range ``(lo, hi)`` (timeouts drawn uniformly from it) or
    one number ``et`` (etcd's [et, 2·et)).  The heartbeat interval defaults to half the
    minimum election timeout, as in the paper.  ``rules`` is ``"paper"`` or ``"etcd"``.
    A trial that has not finished after ``max_ms`` counts as ``math.inf``.
    """
    if members < 3:
        raise ValueError("a failover needs at least 3 members (one crashes, a majority remains)")
    if rules not in ("paper", "etcd"):
        raise ValueError('rules must be "paper" or "etcd"')
    lo, hi = Config(election_timeout_ms=election_timeout_ms).election_range
    etcd = rules == "etcd"
    config = Config(heartbeat_ms=heartbeat_ms or lo / 2, election_timeout_ms=(lo, hi),
                    pre_vote=etcd, check_quorum=etcd, reset_timer_on_new_term=etcd)
    disk = max(0.0, broadcast_ms - 2 * sum(NETWORK_MS) / 2)
    fsync = (0.8 * disk, 1.2 * disk)
    rng = component_rng(seed, "failover-experiment")
    return [_trial(members, config, fsync, rng.randrange(2 ** 32), max_ms) for _ in range(trials)]


def _trial(members: int, config: Config, fsync, trial_seed: int, max_ms: float) -> float:
    names = [f"etcd-{i + 1}" for i in range(members)]
    old_leader, followers = names[0], names[1:]
    rng = component_rng(trial_seed, "logs")
    # Different log lengths: the followers are behind the old leader by 0, 1, 2 ... entries
    # (in a random order), so only the ones with the longest logs can win a majority.
    behind = list(range(len(followers)))
    rng.shuffle(behind)
    log = [Entry(1 if i < LOG_LENGTH // 2 else OLD_TERM, i + 1, ("client", i)) for i in range(LOG_LENGTH)]
    commit = LOG_LENGTH - len(followers) // 2 - 1     # stored on a majority in every case
    storages = {}
    for name, lag in zip(followers, behind):
        entries = log[:LOG_LENGTH - lag]
        storages[name] = Storage(term=OLD_TERM, vote=old_leader, commit=min(commit, len(entries)),
                                 entries=list(entries))
    loop = RaftLoop(followers, config, seed=trial_seed, peers=names, latency_ms=NETWORK_MS,
                    fsync_ms=fsync, storages=storages)
    # The synchronized heartbeat broadcast, then the crash (the old leader is not run by
    # the loop: it only ever sends these heartbeats).
    for name in followers:
        loop.send(Message(MSG_HEARTBEAT, old_leader, name, term=OLD_TERM,
                          commit=storages[name].commit), force=True)
    crash_at = rng.uniform(0.0, config.heartbeat_ms)
    heard: dict[tuple[str, int], set] = {}
    done: list[float] = []

    def on_deliver(m: Message, now: float) -> None:
        if m.type in (MSG_APP, MSG_HEARTBEAT) and m.term > OLD_TERM and not done:
            got = heard.setdefault((m.frm, m.term), set())
            got.add(m.to)
            if len(got) == len(followers) - 1:     # every other survivor heard the new leader
                done.append(now)

    loop.on_deliver.append(on_deliver)
    loop.run(max_ms + crash_at, stop=lambda: bool(done))
    return done[0] - crash_at if done else math.inf


def summary(downtimes: list[float]) -> dict:
    """Median, 90th percentile and worst case (ms) of a list of downtimes."""
    ordered = sorted(downtimes)
    n = len(ordered)

    def pct(p: float) -> float:
        return ordered[min(n - 1, max(0, math.ceil(p * n) - 1))]

    return {"trials": n, "median": pct(0.5), "p90": pct(0.9), "max": ordered[-1],
            "unfinished": sum(1 for d in ordered if math.isinf(d))}
