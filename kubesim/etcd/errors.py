"""etcd's errors, worded as etcd words them (server/etcdserver/errors/errors.go,
api/v3rpc/rpctypes/error.go).  A client such as kube-apiserver passes the text on:
``Error from server: etcdserver: request timed out``."""
from __future__ import annotations

from ..errors import KubesimError

ERR_TIMEOUT = "etcdserver: request timed out"
ERR_TIMEOUT_LEADER_FAIL = "etcdserver: request timed out, possibly due to previous leader failure"
ERR_LEADER_CHANGED = "etcdserver: leader changed"
ERR_NO_LEADER = "etcdserver: no leader"
ERR_STOPPED = "etcdserver: server stopped"
ERR_COMPACTED = "mvcc: required revision has been compacted"
#: What the Go client (etcdctl) says when its own deadline passes first.
ERR_DEADLINE = "context deadline exceeded"


class EtcdError(KubesimError):
    """A request to etcd failed; ``str(err)`` is etcd's error text."""

    code = 503
    reason = "ServiceUnavailable"
