"""etcd's MVCC key-value store, as a plain class (no clock, no network).

Every change bumps the cluster-wide *revision*.  Each key remembers ``create_revision``,
``mod_revision`` and ``version`` (etcd's mvccpb.KeyValue), and every change is kept in an
event history so a watcher can resume from any revision not yet compacted.  Kubernetes'
``resourceVersion`` is exactly an object's ``mod_revision``.

Source: etcd server/storage/mvcc (kvstore.go, watchable_store.go), api/mvccpb/kv.proto.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True)
class WatchEvent:
    """``PUT`` or ``DELETE`` at ``revision`` (a DELETE carries the last value in ``prev``)."""

    type: str
    kv: KeyValue
    prev: Optional[KeyValue]

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


class CompactedError(Exception):
    """Asked for history older than the compaction point."""

    def __init__(self, compact_revision: int):
        # etcd: rpctypes.ErrCompacted
        super().__init__("mvcc: required revision has been compacted")
        self.compact_revision = compact_revision


@dataclass(frozen=True)
class Compare:
    """A txn guard, e.g. ``Compare(key, "mod_revision", "=", 5)`` (clientv3.Compare)."""

    key: str
    target: str        # "create_revision" | "mod_revision" | "version" | "value"
    op: str            # "=" | "!=" | "<" | ">"
    value: object


@dataclass(frozen=True)
class Op:
    """A txn operation: ``Op("put", key, value)``, ``Op("delete", key)``, ``Op("get", key)``."""

    type: str
    key: str
    value: str = ""


class MVCCStore:
    """Revisioned key-value store with watch history and compaction."""

    def __init__(self) -> None:
        self.revision = 1               # etcd starts at revision 1
        self.compact_revision = 0
        self.kv: dict[str, KeyValue] = {}
        self.history: list[WatchEvent] = []

    # ------------------------------------------------------------------ reads
    def get(self, key: str) -> Optional[KeyValue]:
        return self.kv.get(key)

    def range(self, prefix: str) -> list[KeyValue]:
        """All live keys starting with ``prefix``, in key order (etcd ranges are sorted)."""
        return [self.kv[k] for k in sorted(self.kv) if k.startswith(prefix)]

    def events_since(self, revision: int, prefix: str = "") -> list[WatchEvent]:
        """Every change with revision >= ``revision`` under ``prefix``, in order."""
        if revision and revision <= self.compact_revision:
            raise CompactedError(self.compact_revision)
        lo, hi = 0, len(self.history)
        while lo < hi:  # binary search: history is ordered by revision
            mid = (lo + hi) // 2
            if self.history[mid].revision < revision:
                lo = mid + 1
            else:
                hi = mid
        return [e for e in self.history[lo:] if e.kv.key.startswith(prefix)]

    # ------------------------------------------------------------------ writes
    def _compare(self, c: Compare) -> bool:
        kv = self.kv.get(c.key)
        actual = getattr(kv, c.target) if kv is not None else (0 if c.target != "value" else "")
        return {"=": actual == c.value, "!=": actual != c.value,
                "<": actual < c.value, ">": actual > c.value}[c.op]

    def txn(self, compares: list[Compare], success: list[Op], failure: list[Op] = ()):
        """Atomically: if every compare holds run ``success`` else ``failure``.

        Returns ``(succeeded, results, revision)``; ``results`` has one entry per op (the
        KeyValue written/read/deleted, or None).  All writes of one txn share one revision.
        """
        ok = all(self._compare(c) for c in compares)
        ops = success if ok else failure
        writes = any(op.type in ("put", "delete") and (op.type == "put" or op.key in self.kv)
                     for op in ops)
        rev = self.revision + 1 if writes else self.revision
        results = []
        for op in ops:
            old = self.kv.get(op.key)
            if op.type == "get":
                results.append(old)
            elif op.type == "put":
                kv = KeyValue(op.key, op.value,
                              old.create_revision if old else rev, rev,
                              old.version + 1 if old else 1)
                self.kv[op.key] = kv
                self.history.append(WatchEvent("PUT", kv, old))
                results.append(kv)
            elif op.type == "delete":
                if old is not None:
                    del self.kv[op.key]
                    tomb = KeyValue(op.key, "", 0, rev, 0)
                    self.history.append(WatchEvent("DELETE", tomb, old))
                results.append(old)
            else:
                raise ValueError(f"unknown op {op.type}")
        self.revision = rev
        return ok, results, rev

    def put(self, key: str, value: str) -> int:
        return self.txn([], [Op("put", key, value)])[2]

    def delete(self, key: str) -> int:
        return self.txn([], [Op("delete", key)])[2]

    def compact(self, revision: int) -> None:
        """Forget history before ``revision`` (watchers older than it get CompactedError)."""
        self.compact_revision = max(self.compact_revision, revision)
        self.history = [e for e in self.history if e.revision > revision]

    def size_bytes(self) -> int:
        """Roughly etcd's ``dbSizeInUse``: bytes of live keys and values."""
        return sum(len(k) + len(v.value) for k, v in self.kv.items())
