"""etcd: the cluster's memory.

``store`` is etcd's MVCC key-value store as a plain class; ``server`` runs it as a simpy
member that the API servers reach over the simulated network.
"""
from .store import Compare, CompactedError, KeyValue, MVCCStore, Op, WatchEvent

__all__ = ["Compare", "CompactedError", "KeyValue", "MVCCStore", "Op", "WatchEvent"]
