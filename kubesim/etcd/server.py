"""An etcd member as a simpy component.

The API server talks to it with the messages of etcd's gRPC API, reduced to what
Kubernetes uses: ``Txn`` (compare-and-swap writes), ``Range`` (reads by prefix),
``Watch`` (changes from a revision) and ``Status``.  A write is acknowledged only once it
is durable: here, after the member's WAL fsync (a seeded 1–4 ms).

Messages (dicts):
  {"type": "etcd", "id": n, "op": "txn", "compares": [...], "success": [...], "failure": [...]}
  {"type": "etcd", "id": n, "op": "range", "prefix": "/registry/pods/"}
  {"type": "etcd", "id": n, "op": "watch", "prefix": "/registry/", "start_revision": r}
  {"type": "etcd", "id": n, "op": "status"}
Replies: {"type": "etcd-reply", "id": n, ...}; watch events: {"type": "etcd-watch", "id": n,
"events": [WatchEvent, ...]} or {"type": "etcd-watch", "id": n, "canceled": True, ...}.
"""
from __future__ import annotations

from typing import Any

from ..component import Component, Sim
from .store import CompactedError, MVCCStore


class EtcdServer(Component):
    """A single etcd member: applies each request after a WAL fsync and replies."""

    def __init__(self, sim: Sim, name: str, host: str, fsync: tuple[float, float] = (0.001, 0.004)):
        super().__init__(sim, name, host)
        self.store = MVCCStore()      # on disk: survives crash and restart
        self.fsync = fsync
        self.watchers: dict[tuple[str, int], str] = {}   # (client, id) -> prefix

    def start(self) -> None:
        super().start()
        self.watchers = {}            # watch streams die with the process

    def on_message(self, src: str, msg: Any) -> None:
        if msg.get("type") != "etcd":
            return
        op = msg["op"]
        if op == "txn":
            self.run(self._txn(src, msg))
        elif op == "range":
            kvs = self.store.range(msg["prefix"])
            self.send(src, {"type": "etcd-reply", "id": msg["id"], "kvs": kvs,
                            "revision": self.store.revision},
                      f"Range {msg['prefix']} -> {len(kvs)} keys", rpc="etcd")
        elif op == "watch":
            self._watch(src, msg)
        elif op == "status":
            self.send(src, {"type": "etcd-reply", "id": msg["id"], "revision": self.store.revision,
                            "leader": self.name, "db_size": self.store.size_bytes()},
                      "Status", rpc="etcd")

    def _txn(self, src: str, msg: dict):
        yield self.env.timeout(self.rng.uniform(*self.fsync))   # WAL fsync before the ack
        ok, results, rev = self.store.txn(msg["compares"], msg["success"], msg["failure"])
        keys = ", ".join(op.key for op in (msg["success"] if ok else msg["failure"]))
        self.send(src, {"type": "etcd-reply", "id": msg["id"], "succeeded": ok,
                        "results": results, "revision": rev},
                  f"Txn {'ok' if ok else 'failed compare'} rev={rev}", rpc="etcd", keys=keys)
        if ok and rev > 0:
            self._notify(rev)

    def _watch(self, src: str, msg: dict) -> None:
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

    def _notify(self, rev: int) -> None:
        for (client, wid), prefix in list(self.watchers.items()):
            events = [e for e in self.store.events_since(rev, prefix) if e.revision == rev]
            if events:
                self._push(client, wid, events)

    def _push(self, client: str, wid: int, events: list) -> None:
        self.send(client, {"type": "etcd-watch", "id": wid, "events": events},
                  f"Watch event rev={events[-1].revision} ({len(events)} change{'s' if len(events) > 1 else ''})",
                  rpc="etcd")
