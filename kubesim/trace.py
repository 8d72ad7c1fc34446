"""The recorded trace: every message and state change of a simulation, in order.

A :class:`Trace` is an append-only list of small :class:`Record`\\ s.  Figures, kubectl
views of the past and lesson checks read only the trace, so every lesson can replay and
scrub what happened.  :meth:`Trace.digest` hashes the canonical JSON of all records:
the same seed gives the same digest in any process (no ``hash()``, no set iteration).

Record kinds
------------
``message``   a network message: ``source`` -> ``target``, ``time`` sent, ``ref["arrive"]``
              when it arrives (or ``ref["dropped"]`` with the reason).
``object``    an object was written to etcd: ``ref`` has ``verb`` (ADDED/MODIFIED/DELETED),
              ``kind``, ``namespace``, ``name``, ``rv`` (resourceVersion) and ``what`` changed.
``event``     a Kubernetes Event was emitted (reason, message, involved object).
``component`` a component did something worth showing (scheduled a pod, pulled an image …).
``fault``     a crash, restart, partition or heal.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Optional


@dataclass(frozen=True)
class Record:
    """One thing that happened at simulated ``time`` (seconds)."""

    seq: int
    time: float
    kind: str
    source: str
    target: str
    summary: str
    ref: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Trace:
    """Append-only record of a simulation."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def add(self, time: float, kind: str, source: str, target: str, summary: str,
            **ref: Any) -> Record:
        """Append a record and return it."""
        rec = Record(len(self.records), time, kind, source, target, summary, ref)
        self.records.append(rec)
        return rec

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __getitem__(self, index):
        return self.records[index]

    def filter(self, kind: Optional[str] = None, source: Optional[str] = None,
               target: Optional[str] = None, since: float = float("-inf"),
               until: float = float("inf"), **ref: Any) -> list[Record]:
        """Records matching every given criterion (``ref`` entries must be equal)."""
        out = []
        for r in self.records:
            if kind is not None and r.kind != kind:
                continue
            if source is not None and r.source != source:
                continue
            if target is not None and r.target != target:
                continue
            if not since <= r.time <= until:
                continue
            if any(r.ref.get(k) != v for k, v in ref.items()):
                continue
            out.append(r)
        return out

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of every record."""
        h = hashlib.sha256()
        for r in self.records:
            h.update(json.dumps(r.as_dict(), sort_keys=True, separators=(",", ":"),
                                default=str).encode())
            h.update(b"\n")
        return h.hexdigest()

    def to_json(self) -> str:
        """All records as a JSON array (for saving a run next to a lesson)."""
        return json.dumps([r.as_dict() for r in self.records], sort_keys=True, default=str)

    def __repr__(self) -> str:
        return f"<Trace {len(self.records)} records>"
