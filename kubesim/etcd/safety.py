"""Raft's guarantees (the paper's Figure 3), checked while a simulation runs.

:class:`SafetyMonitor` subscribes to a :class:`~kubesim.etcd.loop.RaftLoop` and records a
violation (a sentence) the moment one of these stops holding:

* **Election Safety** — at most one leader can be elected in a given term (§5.2).
* **Log Matching** — if two logs contain an entry with the same index and term, then the
  logs are identical in all entries up through that index (§5.3).
* **Leader Completeness** — if a log entry is committed in a given term, then that entry
  will be present in the logs of the leaders for all higher-numbered terms (§5.4).
* **State Machine Safety** — if a server has applied a log entry at a given index to its
  state machine, no other server will ever apply a different log entry for the same
  index (§5.4.3).

It also tracks *acknowledged* writes (a member answers its client once it has applied
the entry it proposed, as etcd does) so a test can check that none is ever lost.
"""
from __future__ import annotations

from typing import Any, Optional

from .raft import LEADER, Entry, RaftNode


class SafetyMonitor:
    """Watches every member of a :class:`~kubesim.etcd.loop.RaftLoop`."""

    def __init__(self, loop):
        self.loop = loop
        self.leaders: dict[int, str] = {}         # term -> the leader elected in it
        self.committed: dict[int, Entry] = {}     # index -> the entry known committed there
        self.applied: dict[int, Entry] = {}       # index -> the entry applied there
        self.acknowledged: list[Any] = []         # data of writes answered to a client
        self.violations: list[str] = []
        self._seen_commit: dict[str, int] = {}
        self._checked_leader: set[tuple[int, str]] = set()
        loop.on_change.append(self._on_change)
        loop.on_apply.append(self._on_apply)

    @property
    def ok(self) -> bool:
        return not self.violations

    def _violate(self, text: str) -> None:
        self.violations.append(f"t={self.loop.now:.1f}ms: {text}")

    # ------------------------------------------------------------------ per event
    def _on_change(self, name: str, node: RaftNode) -> None:
        if node.role == LEADER and (node.term, name) not in self._checked_leader:
            self._checked_leader.add((node.term, name))
            other = self.leaders.setdefault(node.term, name)
            if other != name:
                self._violate(f"Election Safety: {other} and {name} both leaders in term {node.term}")
            for index, entry in self.committed.items():
                if index > node.log.last_index() or node.log.entries[index - 1] != entry:
                    self._violate(f"Leader Completeness: leader {name} (term {node.term}) lacks "
                                  f"committed entry {index}@{entry.term}")
                    break
        seen = self._seen_commit.get(name, 0)
        for index in range(seen + 1, node.commit_index + 1):
            entry = node.log.entries[index - 1]
            known = self.committed.setdefault(index, entry)
            if known != entry:
                self._violate(f"two different entries committed at index {index}: "
                              f"{known.term} and {entry.term}")
        self._seen_commit[name] = max(seen, node.commit_index)

    def _on_apply(self, name: str, entry: Entry) -> None:
        known = self.applied.setdefault(entry.index, entry)
        if known != entry:
            self._violate(f"State Machine Safety: {name} applied {entry.index}@{entry.term} "
                          f"but another member applied {entry.index}@{known.term}")
        data = entry.data
        if isinstance(data, tuple) and data and data[0] == name:
            self.acknowledged.append(data)        # the proposer answers its client now

    # ------------------------------------------------------------------ whole-state checks
    def check_log_matching(self) -> bool:
        """Compare every pair of logs (on disk, so crashed members count too)."""
        names = self.loop.names
        logs = {n: self.loop.storage[n].entries for n in names}
        ok = True
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                problem = log_matching_problem(logs[a], logs[b])
                if problem:
                    self._violate(f"Log Matching between {a} and {b}: {problem}")
                    ok = False
        return ok

    def lost_acknowledged(self, name: Optional[str] = None) -> list:
        """Acknowledged writes missing from ``name``'s applied state (default: every member)."""
        names = [name] if name else self.loop.names
        missing = []
        for n in names:
            have = {e.data for e in self.loop.applied[n]}
            missing += [d for d in self.acknowledged if d not in have and d not in missing]
        return missing


def log_matching_problem(a: list, b: list) -> Optional[str]:
    """None if logs ``a`` and ``b`` satisfy Log Matching, else a description."""
    first_difference = None
    for k in range(min(len(a), len(b))):
        ea, eb = a[k], b[k]
        if ea.term == eb.term:
            if ea != eb:
                return f"index {k + 1} has term {ea.term} on both but different commands"
            if first_difference is not None:
                return (f"same term at index {k + 1} but they differ at index "
                        f"{first_difference + 1}")
        elif first_difference is None:
            first_difference = k
    return None
