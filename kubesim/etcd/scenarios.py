"""Scripted Raft scenarios on the pure state machine: the paper's Figure 8, step by step.

Figure 8 of the Raft paper shows why a leader may not count replicas of an entry from an
*earlier* term to decide it is committed (§5.4.2).  :func:`figure8` replays it with five
real :class:`~kubesim.etcd.raft.RaftNode`\\ s, steering them only with partitions,
crashes, restarts and "campaign now" (election timers are set so long that nobody starts
an election on their own):

(a) S1 leads term 2 and its entry 2@2 reaches S2 only.
(b) S1 crashes; S5 is elected for term 3 by S3, S4, S5 and appends 2@3 (nobody else gets it).
(c) S5 crashes; S1 restarts, is elected for term 4 by S1, S2, S3 and replicates 2@2 to
    S3: now 2@2 is stored on a majority.  *Is it committed?*  Then S1 crashes.
(d) S5 restarts and is elected for term 5 by S3, S4, S5 (its last term, 3, beats their
    2): it overwrites index 2 everywhere with 2@3.

With the correct rule (:func:`~kubesim.etcd.raft.majority_commit_rule`) S1 does not
commit 2@2 in (c), so nothing committed is ever lost.  With a rule that counts replicas of
an old-term entry, S1 commits — and applies — 2@2, which (d) then replaces: two members
apply different commands at index 2, the violation of State Machine Safety that
:class:`~kubesim.etcd.safety.SafetyMonitor` reports.

Names: S1..S5 are ``etcd-1`` .. ``etcd-5``.  (etcd's leaders append an empty entry when
elected (§8); in this replay those empty entries are the "entries" of terms 2, 3, 4, 5.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .loop import RaftLoop
from .raft import LEADER, Config, Entry, RaftSafetyError, Storage, majority_commit_rule
from .safety import SafetyMonitor

S = [f"etcd-{i}" for i in range(1, 6)]


@dataclass
class Figure8Result:
    """What happened: the logs after each step, and any safety violation."""

    steps: list = field(default_factory=list)       # (label, {name: snapshot dict})
    violations: list = field(default_factory=list)
    committed_in_c: bool = False                    # did S1 commit index 2 in step (c)?

    @property
    def safe(self) -> bool:
        return not self.violations


def _snapshot(loop: RaftLoop) -> dict:
    out = {}
    for name in S:
        node = loop.nodes[name]
        storage = loop.storage[name]
        out[name] = {"up": node is not None,
                     "log": [(e.index, e.term) for e in storage.entries],
                     "term": storage.term,
                     "commit": node.commit_index if node else storage.commit,
                     "role": node.role if node else "down"}
    return out


def figure8(commit_rule: Callable = majority_commit_rule) -> Figure8Result:
    """Replay Figure 8 with ``commit_rule`` as the leaders' commit rule (see module doc)."""
    config = Config(heartbeat_ms=10, election_timeout_ms=(10 ** 7, 2 * 10 ** 7), pre_vote=False,
                    check_quorum=False, max_entries_per_msg=1, commit_rule=commit_rule)
    start = {n: Storage(term=1, vote=S[0], commit=1, entries=[Entry(1, 1, "x=1")]) for n in S}
    loop = RaftLoop(S, config, seed=8, latency_ms=(1.0, 2.0), storages=start)
    for name in S:                                   # index 1 was applied everywhere
        loop.applied[name].append(start[name].entries[0])
    monitor = SafetyMonitor(loop)
    result = Figure8Result()

    def leader_is(name: str) -> Callable[[], bool]:
        return lambda: loop.up(name) and loop.nodes[name].role == LEADER

    def elect(name: str) -> None:
        for _ in range(3):                           # a rejected campaign moves the term on
            loop.nodes[name].campaign()
            loop._after(name)
            loop.run_for(50, stop=leader_is(name))
            if leader_is(name)():
                return
        raise AssertionError(f"{name} was not elected")

    def record(label: str) -> None:
        result.steps.append((label, _snapshot(loop)))

    try:
        record("start: index 1 committed everywhere")
        # (a) S1 leads term 2; its entry 2@2 reaches S2 only.
        loop.partition([S[0:2], S[2:]])
        loop.heal()
        loop.nodes[S[0]].campaign()
        loop._after(S[0])
        loop.run_for(50, stop=leader_is(S[0]))
        loop.partition([S[0:2], S[2:]])              # its MsgApps to S3..S5 get lost
        loop.run_for(30)
        record("(a) S1 leads term 2; 2@2 reaches S2 only")
        # (b) S1 crashes; S5 is elected for term 3 by S3, S4, S5 and appends 2@3 alone.
        loop.crash(S[0])
        loop.partition([S[2:5], S[1:2]])
        loop.nodes[S[4]].campaign()
        loop._after(S[4])
        loop.run_for(50, stop=leader_is(S[4]))
        loop.partition([[S[4]], S[1:4]])             # its 2@3 reaches nobody
        loop.run_for(30)
        record("(b) S5 leads term 3; 2@3 only on S5")
        # (c) S5 crashes; S1 restarts, is elected for term 4 by S1, S2, S3 and copies 2@2 to S3.
        loop.crash(S[4])
        loop.restart(S[0])
        loop.partition([S[0:3], [S[3]], [S[4]]])
        elect(S[0])
        loop.run_for(100, stop=lambda: loop.nodes[S[0]].progress[S[2]].match >= 2)
        loop.partition([[n] for n in S])             # S1 is cut off before 3@4 spreads
        result.committed_in_c = loop.nodes[S[0]].commit_index >= 2
        record("(c) S1 leads term 4; 2@2 on S1, S2, S3" +
               (" — and S1 COMMITTED it" if result.committed_in_c else ", not committed"))
        # (d) S1 crashes; S5 restarts, is elected for term 5 by S3, S4, S5 and overwrites 2.
        loop.crash(S[0])
        loop.restart(S[4])
        loop.partition([S[1:5], [S[0]]])
        elect(S[4])
        loop.run_for(200)
        record("(d) S5 leads term 5; index 2 becomes 2@3 everywhere it reaches")
    except RaftSafetyError as err:                   # a member refused to overwrite a commit
        monitor.violations.append(f"a member refused: {err}")
        record("stopped: a member refused to overwrite a committed entry")
    monitor.check_log_matching()
    result.violations = list(monitor.violations)
    return result
