"""etcd: the cluster's memory — an MVCC key-value store replicated with Raft.

* :mod:`~kubesim.etcd.raft` — Raft as a pure state machine (read it next to the paper).
* :mod:`~kubesim.etcd.store` — etcd's MVCC store: revisions, watch history, compaction.
* :mod:`~kubesim.etcd.server` — an etcd member as a simpy component (Raft + WAL + store).
* :mod:`~kubesim.etcd.cluster` — :class:`EtcdCluster`, a standalone cluster to play with.
* :mod:`~kubesim.etcd.loop`, :mod:`~kubesim.etcd.safety`, :mod:`~kubesim.etcd.experiments`,
  :mod:`~kubesim.etcd.scenarios` — a tiny event loop for the pure state machine, Raft's
  safety properties as checks, the paper's Figure 16 experiment and Figure 8 replay.
"""
from .cluster import EtcdCluster, Snapshot, Watch
from .errors import EtcdError
from .experiments import failover_experiment
from .store import Compare, CompactedError, KeyValue, MVCCStore, Op, WatchEvent

__all__ = ["Compare", "CompactedError", "EtcdCluster", "EtcdError", "KeyValue", "MVCCStore", "Op",
           "Snapshot", "Watch", "WatchEvent", "failover_experiment"]
