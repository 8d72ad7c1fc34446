"""An etcd member as a simpy component: a Raft node, a WAL, an MVCC store and a gRPC door.

The API servers talk to a member with the messages of etcd's gRPC API, reduced to what
Kubernetes uses: ``Txn`` (compare-and-swap writes), ``Range`` (reads by prefix),
``Watch`` (changes from a revision) and ``Status``.  Members talk to each other with Raft
messages (:mod:`kubesim.etcd.raft`), which cross kubesim's network like everything else,
so they appear in the trace as messages between ``etcd-N`` endpoints (``rpc="raft"``).

How a request is served, as in etcd's ``EtcdServer``:

* **write** (a txn with a put or delete): the member proposes it to Raft.  A follower's
  Raft forwards the proposal to the leader (MsgProp); without a leader the proposal waits
  for one.  Every member applies committed entries to its own MVCC store, in log order;
  the member that received the request answers once *it* has applied it.  No answer after
  the request timeout (etcd's ``ReqTimeout``: 5 s + 2 × election timeout) gives etcd's
  ``etcdserver: request timed out``.
* **read** (a range, or a txn that only reads): linearizable by default — the member asks
  the leader for a ReadIndex (thesis §6.4), waits until it has applied that index, then
  reads its own store.  ``"serializable": True`` reads the local store at once (maybe
  stale: what ``etcdctl get --consistency=s`` does).
* **watch**: served from the member's applied state, in revision order, none skipped.
  Like kube-apiserver's watches (``clientv3.WithRequireLeader``) it is refused, and
  canceled after three election timeouts, when the member has no leader.

The WAL (:class:`~kubesim.etcd.raft.Storage`), the MVCC store and the applied index are
"on disk": they survive :meth:`stop` (a crash) and :meth:`start` (a restart).  A Ready
that carries new entries or a new term/vote costs one fsync (a seeded 1–4 ms) before the
answers that vouch for them leave and before committed entries are applied.

Client messages (dicts):
  {"type": "etcd", "id": n, "op": "txn", "compares": [...], "success": [...], "failure": [...]}
  {"type": "etcd", "id": n, "op": "range", "prefix": "/registry/pods/", "serializable": False}
  {"type": "etcd", "id": n, "op": "watch", "prefix": "/registry/", "start_revision": r}
  {"type": "etcd", "id": n, "op": "status"}
  {"type": "etcd", "id": n, "op": "compact", "revision": r}
Replies: {"type": "etcd-reply", "id": n, ...} (``"error": text`` on failure); watch events:
{"type": "etcd-watch", "id": n, "events": [WatchEvent, ...]} or {"type": "etcd-watch",
"id": n, "canceled": True, "reason": text, ...}.
"""
from __future__ import annotations

import heapq
import itertools
from typing import Any, Optional

from ..component import Component, Sim
from . import raft
from .errors import (ERR_LEADER_CHANGED, ERR_NO_LEADER, ERR_TIMEOUT, ERR_TIMEOUT_LEADER_FAIL,
                     EtcdError)
from .raft import LEADER, PERSIST_BEFORE_SEND, Config, RaftNode, Storage
from .store import CompactedError, MVCCStore

#: etcd retries a ReadIndex request that got no answer after this long (readIndexRetryTime).
READ_INDEX_RETRY = 0.5
#: etcd cancels require-leader watches after this many election timeouts without a leader.
MAX_NO_LEADER_CHECKS = 3


def _read_only(msg: dict) -> bool:
    """etcd's isTxnReadonly: every operation of the txn is a read."""
    ops = list(msg.get("success", [])) + list(msg.get("failure", []))
    return all(op.type == "get" for op in ops)


class EtcdServer(Component):
    """One etcd member (see the module docstring)."""

    def __init__(self, sim: Sim, name: str, host: str, peers: Optional[list] = None,
                 heartbeat_ms: float = 100.0, election_timeout_ms: Any = 1000.0,
                 fsync: tuple[float, float] = (0.001, 0.004), pre_vote: bool = True,
                 check_quorum: bool = True, record_progress: bool = False,
                 request_timeout: Optional[float] = None):
        super().__init__(sim, name, host)
        self.peers = tuple(peers) if peers else (name,)
        self.config = Config(heartbeat_ms=heartbeat_ms, election_timeout_ms=election_timeout_ms,
                             pre_vote=pre_vote, check_quorum=check_quorum)
        self.fsync = fsync
        # etcd ServerConfig.ReqTimeout(): "5s for queue waiting, computation and disk IO
        # delay + 2 * election timeout for possible leader election".
        self.request_timeout = request_timeout if request_timeout is not None else \
            5.0 + 2 * self.config.election_base_ms / 1000.0
        #: Record commit/log-length changes in the trace too (for animations).
        self.record_progress = record_progress
        # ---- on disk: survives crash and restart
        self.store = MVCCStore()          # the backend (bbolt): keys, revisions, history
        self.disk = Storage()             # the WAL: term, vote, commit index, log entries
        self.applied_index = 0            # etcd's consistent index, saved with the backend
        # ---- in memory: rebuilt by start()
        self.node: Optional[RaftNode] = None
        self.watchers: dict[tuple[str, int], str] = {}
        self.incarnation = 0
        self._lead_on_boot = False
        self._gen = 0

    # ================================================================== lifecycle
    def start(self) -> None:
        super().start()
        self.incarnation += 1
        self._gen += 1
        self.watchers = {}
        self._ids = itertools.count(1)
        self._proposals: dict[tuple, Any] = {}       # request id -> event (value: txn result)
        self._queued: list[tuple] = []                # proposals waiting for a leader
        self._reads: dict[tuple, Any] = {}           # ReadIndex ctx -> event (value: index)
        self._apply_waiters: list = []                # heap of (index, seq, event)
        self._leader_changed = self.env.event()
        self._lead_elected_at: Optional[float] = None
        self._last_lead: Optional[str] = None
        self._last_state: Optional[tuple] = None
        self._in_ready = False
        self._wake_at: Optional[float] = None
        self._wake_gen = 0
        self._last_tick = self.env.now
        self.node = RaftNode(self.name, self.peers, self.disk, self.config, self.rng,
                             applied=self.applied_index)
        if self._lead_on_boot:
            self._lead_on_boot = False
            self.node.assume_leadership()
        if len(self.peers) > 1:
            self.run(self._monitor_leader())
        self._after()

    def stop(self) -> None:
        super().stop()
        self._gen += 1                                # pending fsync / wake-ups are void
        self.node = None                              # everything in memory is gone
        self.watchers = {}

    def bootstrap_as_leader(self) -> None:
        """Start as the leader of term 1 (see :func:`bootstrap_leader`)."""
        self._lead_on_boot = True

    # ================================================================== views
    @property
    def role(self) -> str:
        return self.node.role if self.node is not None else "down"

    @property
    def leader(self) -> Optional[str]:
        """Who this member believes leads (None: nobody, or the member is down)."""
        return self.node.lead if self.node is not None else None

    def status(self) -> dict:
        """name, up, role, term, leader, vote, commit/applied index, log length, revision."""
        node = self.node
        return {"name": self.name, "up": self.up, "role": self.role,
                "term": self.disk.term, "leader": node.lead if node else None,
                "vote": self.disk.vote,
                "commit_index": node.commit_index if node else self.disk.commit,
                "applied_index": self.applied_index, "log_length": len(self.disk.entries),
                "revision": self.store.revision}

    # ================================================================== driving Raft
    def _tick(self) -> None:
        elapsed = (self.env.now - self._last_tick) * 1000.0
        self._last_tick = self.env.now
        if elapsed > 0:
            self.node.tick(elapsed)

    def _after(self) -> None:
        """After every step or tick: notice leader changes, handle Ready, set the timer."""
        node = self.node
        if node.lead != self._last_lead:
            self._last_lead = node.lead
            self._leader_changed.succeed()
            self._leader_changed = self.env.event()
            if node.lead is not None:
                self._lead_elected_at = self.env.now
                self._flush_queued()
        self._record_state()
        self._pump()
        self._schedule_wake()

    def _schedule_wake(self) -> None:
        if self.node is None:
            return
        delay = self.node.next_timeout_ms() / 1000.0
        when = self.env.now + delay
        if self._wake_at is not None and self.env.now <= self._wake_at <= when + 1e-12:
            return                                    # an earlier wake-up is already set
        self._wake_gen += 1
        self._wake_at = when
        gen, wake = (self._gen, self._wake_gen), self.env.timeout(delay)
        wake.callbacks.append(lambda _ev: self._on_wake(gen))

    def _on_wake(self, gen: tuple) -> None:
        if not self.up or gen != (self._gen, self._wake_gen):
            return
        self._wake_at = None
        self._tick()
        self._after()

    def _pump(self) -> None:
        """Handle one Ready: send, fsync if needed, send the answers, apply (etcd raftNode)."""
        node = self.node
        if self._in_ready or not node.has_ready():
            return
        rd = node.ready()
        later = [m for m in rd.messages if rd.must_sync and m.type in PERSIST_BEFORE_SEND]
        self._send_raft([m for m in rd.messages if not (rd.must_sync and m.type in PERSIST_BEFORE_SEND)])
        if not rd.must_sync:
            self._finish(rd, later)
            return
        self._in_ready = True
        gen = self._gen
        done = self.env.timeout(self.rng.uniform(*self.fsync))   # WAL fsync
        done.callbacks.append(lambda _ev: self._finish(rd, later) if gen == self._gen else None)

    def _finish(self, rd: raft.Ready, later: list) -> None:
        self._send_raft(later)
        self._apply(rd.committed_entries)
        for rs in rd.read_states:
            ev = self._reads.get(rs.ctx)
            if ev is not None and not ev.triggered:
                ev.succeed(rs.index)
        self.node.advance(rd)
        self._in_ready = False
        self._after()

    def _send_raft(self, messages: list) -> None:
        for m in messages:
            self.send(m.to, {"type": "raft", "msg": m}, m.summary(), rpc="raft",
                      raft={"type": m.type, "term": m.term, "index": m.index,
                            "log_term": m.log_term, "commit": m.commit,
                            "entries": len(m.entries), "reject": m.reject})

    def _apply(self, entries: list) -> None:
        """Apply committed entries to the MVCC store, in log order, and answer our clients."""
        for entry in entries:
            cmd = entry.data
            if cmd is not None:
                before = self.store.revision
                if "compact" in cmd:                  # etcd: compaction is a Raft proposal too
                    self.store.compact(cmd["compact"])
                    result = (True, [], self.store.revision)
                else:
                    result = self.store.txn(cmd["compares"], cmd["success"], cmd["failure"])
                self.applied_index = entry.index
                waiter = self._proposals.pop(cmd["id"], None)
                if waiter is not None and not waiter.triggered:
                    waiter.succeed(result)
                if self.store.revision > before:
                    self._notify(self.store.revision)
            self.applied_index = entry.index
        while self._apply_waiters and self._apply_waiters[0][0] <= self.applied_index:
            _, _, ev = heapq.heappop(self._apply_waiters)
            if not ev.triggered:
                ev.succeed()

    def _record_state(self) -> None:
        node = self.node
        key = (node.role, node.term, node.lead, node.vote)
        full = key + ((node.commit_index, node.last_index) if self.record_progress else ())
        if full == self._last_state:
            return
        changed = self._last_state is None or key != self._last_state[:4]
        self._last_state = full
        if not changed and not self.record_progress:
            return
        if node.role == LEADER:
            what = f"leader (term {node.term})"
        elif node.role == raft.FOLLOWER:
            what = f"follower of {node.lead} (term {node.term})" if node.lead else \
                f"follower, no leader (term {node.term})"
        else:
            what = f"{node.role} (term {node.term})"
        self.record(f"raft: {what}", raft=dict(node.status(), log_length=node.last_index))

    # ================================================================== requests
    def _new_id(self) -> tuple:
        return (self.name, self.incarnation, next(self._ids))

    def _flush_queued(self) -> None:
        queued, self._queued = self._queued, []
        for rid, data in queued:
            if rid in self._proposals and not self.node.propose(data):
                self._queued.append((rid, data))

    def on_message(self, src: str, msg: Any) -> None:
        kind = msg.get("type")
        if kind == "raft":
            self._tick()
            self.node.step(msg["msg"])
            self._after()
            return
        if kind != "etcd":
            return
        op = msg["op"]
        if op == "txn":
            self.run(self._read(src, msg) if _read_only(msg) else self._write(src, msg))
        elif op == "compact":
            self.run(self._write(src, msg))
        elif op == "range":
            self.run(self._read(src, msg))
        elif op == "watch":
            self._watch(src, msg)
        elif op == "status":
            node = self.node
            self.send(src, {"type": "etcd-reply", "id": msg["id"], "revision": self.store.revision,
                            "leader": node.lead or "", "db_size": self.store.size_bytes(),
                            "raft_term": node.term, "raft_index": node.commit_index,
                            "raft_applied_index": self.applied_index},
                      "Status", rpc="etcd")

    def _reply_error(self, src: str, msg: dict, text: str) -> None:
        self.send(src, {"type": "etcd-reply", "id": msg["id"], "error": text},
                  f"{msg['op'].capitalize()} failed: {text}", rpc="etcd")

    def _timeout_error(self, started: float) -> str:
        """etcd parseProposeCtxErr: blame a leader election if one ended while we waited."""
        elected = self._lead_elected_at
        window = 2 * self.config.election_base_ms / 1000.0
        if elected is not None and elected - window < started < elected:
            return ERR_TIMEOUT_LEADER_FAIL
        return ERR_TIMEOUT

    # ---- writes
    def _write(self, src: str, msg: dict):
        started = self.env.now
        rid = self._new_id()
        done = self.env.event()
        self._proposals[rid] = done
        if msg["op"] == "compact":
            data = {"id": rid, "compact": msg["revision"], "success": [], "failure": []}
        else:
            data = {"id": rid, "compares": list(msg.get("compares", [])),
                    "success": list(msg.get("success", [])), "failure": list(msg.get("failure", []))}
        self._tick()
        if not self.node.propose(data):
            self._queued.append((rid, data))          # etcd: propc blocks until a leader
        self._after()
        result = yield done | self.env.timeout(self.request_timeout)
        if done not in result:
            self._proposals.pop(rid, None)
            self._queued = [q for q in self._queued if q[0] != rid]
            self._reply_error(src, msg, self._timeout_error(started))
            return
        ok, results, rev = done.value
        keys = ", ".join(op.key for op in (data["success"] if ok else data["failure"]))
        self.send(src, {"type": "etcd-reply", "id": msg["id"], "succeeded": ok,
                        "results": results, "revision": rev},
                  f"Txn {'ok' if ok else 'failed compare'} rev={rev}", rpc="etcd", keys=keys)

    # ---- reads
    def _read_index(self, started: float):
        """Linearizable read barrier (etcd linearizableReadLoop): the index to wait for."""
        deadline = started + self.request_timeout
        changed = self._leader_changed
        answered = self.env.event()
        ids = []
        try:
            while True:
                ctx = self._new_id()
                ids.append(ctx)
                self._reads[ctx] = answered
                self._tick()
                self.node.read_index(ctx)             # dropped without a leader: retried
                self._after()
                wait = max(0.0, min(READ_INDEX_RETRY, deadline - self.env.now))
                result = yield answered | changed | self.env.timeout(wait)
                if answered in result:
                    return answered.value
                if changed in result:
                    raise EtcdError(ERR_LEADER_CHANGED)
                if self.env.now >= deadline - 1e-12:
                    raise EtcdError(self._timeout_error(started))
        finally:
            for ctx in ids:
                self._reads.pop(ctx, None)

    def _wait_applied(self, index: int, deadline: float):
        if self.applied_index >= index:
            return
        ev = self.env.event()
        heapq.heappush(self._apply_waiters, (index, next(self._ids), ev))
        result = yield ev | self.env.timeout(max(0.0, deadline - self.env.now))
        if ev not in result:
            raise EtcdError(ERR_TIMEOUT)

    def _read(self, src: str, msg: dict):
        started = self.env.now
        if not msg.get("serializable"):
            try:
                index = yield from self._read_index(started)
                yield from self._wait_applied(index, started + self.request_timeout)
            except EtcdError as err:
                self._reply_error(src, msg, str(err))
                return
        if msg["op"] == "range":
            kvs = self.store.range(msg["prefix"])
            self.send(src, {"type": "etcd-reply", "id": msg["id"], "kvs": kvs,
                            "revision": self.store.revision},
                      f"Range {msg['prefix']} -> {len(kvs)} keys", rpc="etcd")
            return
        ok, results, rev = self.store.txn(msg.get("compares", []), msg.get("success", []),
                                          msg.get("failure", []))
        self.send(src, {"type": "etcd-reply", "id": msg["id"], "succeeded": ok,
                        "results": results, "revision": rev},
                  f"Txn (read) rev={rev}", rpc="etcd")

    # ---- watches
    def _watch(self, src: str, msg: dict) -> None:
        if len(self.peers) > 1 and self.node.lead is None:
            self._cancel_watch(src, msg["id"], ERR_NO_LEADER)
            return
        key = (src, msg["id"])
        try:
            backlog = self.store.events_since(msg["start_revision"], msg["prefix"])
        except CompactedError as err:
            self.send(src, {"type": "etcd-watch", "id": msg["id"], "canceled": True,
                            "compact_revision": err.compact_revision, "reason": str(err)},
                      "Watch canceled: compacted", rpc="etcd")
            return
        self.watchers[key] = msg["prefix"]
        if backlog:
            self._push(src, msg["id"], backlog)

    def _cancel_watch(self, client: str, wid: int, reason: str) -> None:
        self.watchers.pop((client, wid), None)
        self.send(client, {"type": "etcd-watch", "id": wid, "canceled": True, "reason": reason},
                  f"Watch canceled: {reason}", rpc="etcd")

    def _monitor_leader(self):
        """etcd v3rpc monitorLeader: no leader for 3 election timeouts cancels the watches
        of clients that require a leader (kube-apiserver's do)."""
        without = 0
        while True:
            yield self.env.timeout(self.config.election_base_ms / 1000.0)
            without = without + 1 if self.node.lead is None else 0
            if without >= MAX_NO_LEADER_CHECKS and self.watchers:
                for client, wid in sorted(self.watchers):
                    self._cancel_watch(client, wid, ERR_NO_LEADER)

    def _notify(self, rev: int) -> None:
        for (client, wid), prefix in list(self.watchers.items()):
            events = [e for e in self.store.events_since(rev, prefix) if e.revision == rev]
            if events:
                self._push(client, wid, events)

    def _push(self, client: str, wid: int, events: list) -> None:
        self.send(client, {"type": "etcd-watch", "id": wid, "events": events},
                  f"Watch event rev={events[-1].revision} ({len(events)} change{'s' if len(events) > 1 else ''})",
                  rpc="etcd")


def bootstrap_leader(members: list) -> None:
    """Start ``members`` as if their first election had just ended: term 1, all voted for
    the first member, which starts as leader (kubesim's Cluster starts with a ready etcd).
    Call before the members start."""
    leader = members[0]
    for m in members:
        m.disk.term, m.disk.vote = 1, leader.name
    leader.bootstrap_as_leader()
