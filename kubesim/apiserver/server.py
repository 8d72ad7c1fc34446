"""kube-apiserver as a simpy component: the only door to the cluster's state.

Every request passes the same stages, in Kubernetes' order, and the trace records the
verdict of each: authentication → authorization → mutating admission → validation →
validating admission → (etcd) storage (authn.py, authz.py, admission.py); each replica
also writes an audit log (audit.py).  A write is answered only after etcd has committed
it; every committed change then flows back from etcd's watch into the watch cache and out
to every client watching that resource.

Source: k8s.io/apiserver/pkg/endpoints/handlers (create.go, update.go, delete.go,
patch.go, watch.go), k8s.io/apiserver/pkg/registry/generic/registry/store.go.
"""
from __future__ import annotations

import json
import random
import uuid
from typing import Any, Optional

from ..api import clock
from ..api.resources import RESOURCE_TYPES, ResourceType
from ..component import Component, Sim
from ..errors import (AlreadyExistsError, BadRequestError, ConflictError, InvalidError,
                      NotFoundError, ServerUnavailableError, StatusError)
from ..etcd.store import Compare, Op
from ..rand import random_suffix
from ..util import deep_copy, get_path
from . import admission, audit, authn, authz, health, objectlog, service_alloc
from .registry import etcd_key, prepare_for_create, prepare_for_update
from .watchcache import Change, WatchCache

ETCD_TIMEOUT = 5.0          # seconds before a write without etcd's answer fails
FRESH_CACHE_TIMEOUT = 3.0    # cacher waitUntilFreshAndBlock: how long a consistent list waits
_BY_PLURAL = {rt.plural: rt for rt in RESOURCE_TYPES}
_HTTP_VERB = {"create": "POST", "get": "GET", "list": "GET", "watch": "GET", "update": "PUT",
              "patch": "PATCH", "delete": "DELETE"}


def request_path(rt: ResourceType, namespace: Optional[str], name: Optional[str] = None,
                 subresource: str = "") -> str:
    """The REST path of a request, e.g. ``/apis/apps/v1/namespaces/default/deployments``."""
    path = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    if rt.namespaced and namespace:
        path += f"/namespaces/{namespace}"
    path += f"/{rt.plural}"
    if name:
        path += f"/{name}"
    if subresource:
        path += f"/{subresource}"
    return path


class APIServer(Component):
    """One kube-apiserver replica (stateless: everything durable lives in etcd)."""

    def __init__(self, sim: Sim, name: str, host: str, etcd_members: list[str]):
        super().__init__(sim, name, host)
        self.etcd_members = etcd_members
        self.cache = WatchCache()
        self.ready = False
        self._etcd_pending: dict[int, Any] = {}
        self._etcd_seq = 0
        self._etcd_watch_id = 0
        self._watchers: dict[tuple[str, int], dict] = {}
        self._waiting_ready: list = []
        self._draws: dict[str, int] = {}
        self._client_rngs: dict[str, random.Random] = {}
        # Security (authn.py / authz.py): the Cluster shares one authenticator configuration
        # between replicas; each replica authorizes from its own watch cache.
        self.authn = authn.Authenticator(signing_key=f"kubesim-sa-key:{sim.seed}".encode())
        self.authorizer = authz.Authorizer()
        self.audit_log: list[dict] = []           # this replica's audit file (audit.py)
        self.quota_locks: dict = {}
        self.quota_written: dict = {}

    # ================================================================== lifecycle
    def start(self) -> None:
        super().start()
        self.cache = WatchCache()
        self.cache.listeners.append(self._fan_out)
        self.cache.listeners.append(self.authorizer.on_change)
        self.authorizer.invalidate()
        self.quota_locks, self.quota_written = {}, {}
        self.ready = False
        self._etcd_pending = {}
        self._watchers = {}
        self.run(self._sync_cache())

    def stop(self) -> None:
        # Clients watching through this replica see their stream end.
        for (client, wid) in list(self._watchers):
            self.sim.network.send(self.name, client, {"type": "api-watch", "id": wid,
                                                      "event": "CLOSED"},
                                  "watch closed (server crashed)", rpc="api")
        super().stop()
        self.ready = False

    def _etcd_member(self) -> str:
        local = [m for m in self.etcd_members
                 if self.sim.network.endpoints.get(m) and self.sim.network.endpoints[m].host == self.host]
        ordered = local + [m for m in self.etcd_members if m not in local]
        for m in ordered:
            if self.sim.network.can_talk(self.name, m):
                return m
        return ordered[0]

    def _sync_cache(self):
        """List everything from etcd, then watch from the next revision (the Cacher)."""
        while True:
            try:
                reply = yield from self._etcd({"op": "range", "prefix": "/registry/"})
            except StatusError:
                yield self.env.timeout(1.0)
                continue
            self.cache.replace(reply["kvs"], reply["revision"])
            self.authorizer.invalidate()
            break
        self._watch_etcd(self.cache.revision + 1)
        self.ready = True
        self.record("watch cache synced", target=self._etcd_member(), rv=self.cache.revision)
        for ev in self._waiting_ready:
            ev.succeed()
        self._waiting_ready = []

    def _watch_etcd(self, start_revision: int) -> None:
        self._etcd_watch_id = self._etcd_seq = self._etcd_seq + 1
        self.send(self._etcd_member(), {"type": "etcd", "id": self._etcd_watch_id, "op": "watch",
                                        "prefix": "/registry/", "start_revision": start_revision},
                  f"Watch /registry/ from rev {start_revision}", rpc="etcd")

    def _stream(self, what: str) -> random.Random:
        """A random stream for one kind of draw (``what``), derived from the seed: names and
        uids of one object family do not depend on how many others were made before."""
        count = self._draws.get(what, 0)
        self._draws[what] = count + 1
        return random.Random(f"{self.sim.seed}:{self.name}:{what}:{count}")

    # ================================================================== etcd client
    def _etcd(self, msg: dict):
        """Send one etcd request and wait for its reply (a sub-generator)."""
        self._etcd_seq += 1
        msg = dict(msg, type="etcd", id=self._etcd_seq)
        reply_ev = self.env.event()
        self._etcd_pending[msg["id"]] = reply_ev
        op = msg["op"]
        summary = {"txn": "Txn " + (", ".join(o.key for o in msg.get("success", []))
                                    or "(current revision)"),
                   "range": f"Range {msg.get('prefix', '')}"}.get(op, op)
        self.send(self._etcd_member(), msg, summary, rpc="etcd")
        timeout = self.env.timeout(ETCD_TIMEOUT)
        result = yield reply_ev | timeout
        self._etcd_pending.pop(msg["id"], None)
        if reply_ev not in result:
            # k8s.io/apiserver/pkg/storage/etcd3: etcd's own error text reaches the client.
            raise ServerUnavailableError("Error from server: etcdserver: request timed out",
                                         code=500, reason="InternalError")
        reply = result[reply_ev]
        if reply.get("error"):
            raise ServerUnavailableError(f"Error from server: {reply['error']}", code=500,
                                         reason="InternalError")
        if op == "txn" and reply.get("succeeded") and reply["revision"] > self.cache.revision:
            self.run(self._check_watch_progress(reply["revision"]))
        return reply

    def _check_watch_progress(self, revision: int):
        """If etcd's watch went quiet (the member restarted), watch again."""
        yield self.env.timeout(1.0)
        if self.cache.revision < revision:
            self._watch_etcd(self.cache.revision + 1)

    def _read(self, rt: ResourceType, namespace: Optional[str], name: str):
        """Consistent read of one object from etcd: returns (obj or None, mod_revision)."""
        key = etcd_key(rt, namespace, name)
        reply = yield from self._etcd({"op": "txn", "compares": [], "success": [Op("get", key)],
                                       "failure": []})
        kv = reply["results"][0]
        if kv is None:
            return None, 0
        obj = json.loads(kv.value)
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return obj, kv.mod_revision

    def _write(self, rt: ResourceType, obj: dict, expect_revision: Optional[int]):
        """Store ``obj``: create when ``expect_revision`` is None, else compare-and-swap."""
        meta = obj["metadata"]
        key = etcd_key(rt, meta.get("namespace"), meta["name"])
        stored = deep_copy(obj)
        stored["metadata"].pop("resourceVersion", None)
        value = json.dumps(stored, sort_keys=True, separators=(",", ":"))
        if expect_revision is None:
            compares = [Compare(key, "create_revision", "=", 0)]
        else:
            compares = [Compare(key, "mod_revision", "=", expect_revision)]
        reply = yield from self._etcd({"op": "txn", "compares": compares,
                                       "success": [Op("put", key, value)], "failure": []})
        if not reply["succeeded"]:
            return None
        obj["metadata"]["resourceVersion"] = str(reply["revision"])
        objectlog.record(self, rt, obj, "ADDED" if expect_revision is None else "MODIFIED")
        return obj

    def _remove(self, rt: ResourceType, obj: dict, expect_revision: int):
        meta = obj["metadata"]
        key = etcd_key(rt, meta.get("namespace"), meta["name"])
        reply = yield from self._etcd({"op": "txn",
                                       "compares": [Compare(key, "mod_revision", "=", expect_revision)],
                                       "success": [Op("delete", key)], "failure": []})
        if reply["succeeded"]:
            objectlog.record(self, rt, obj, "DELETED")
        return reply["succeeded"]

    # ================================================================== messages
    def on_message(self, src: str, msg: Any) -> None:
        kind = msg.get("type")
        if kind == "etcd-reply":
            ev = self._etcd_pending.get(msg["id"])
            if ev is not None and not ev.triggered:
                ev.succeed(msg)
        elif kind == "etcd-watch":
            if msg["id"] != self._etcd_watch_id:
                return
            if msg.get("canceled"):
                self.run(self._sync_cache())
                return
            for event in msg["events"]:
                if event.revision > self.cache.revision:
                    self.cache.apply(event)
        elif kind == "api":
            self.run(self._serve(src, msg))

    def _reply(self, client: str, req: dict, code: int, body: Any = None,
               error: Optional[StatusError] = None) -> None:
        text = f"{code} {error.reason}" if error else {200: "200 OK", 201: "201 Created",
                                                       202: "202 Accepted"}.get(code, str(code))
        self.send(client, {"type": "api-reply", "id": req["id"], "code": code,
                           "body": body, "error": error}, text, rpc="api", request=req["id"])

    # ================================================================== the pipeline
    def _serve(self, client: str, req: dict):
        rng = self._client_rngs.get(client)
        if rng is None:
            rng = self._client_rngs[client] = random.Random(f"{self.sim.seed}:{self.name}:{client}")
        yield self.env.timeout(rng.uniform(0.0002, 0.0006))   # handler CPU time
        req = dict(req, client=client)
        path = (req.get("options") or {}).get("path")
        if not path and not self.ready:       # /readyz and friends answer even when not ready
            ev = self.env.event()
            self._waiting_ready.append(ev)
            yield ev
        rt = None if path else (_BY_PLURAL.get(req["resource"]) or authz.REVIEWS[req["resource"]])
        stages: list[str] = []
        try:
            authz.check_request(self, req, rt, stages)          # authentication, authorization
            if path:
                code, body = health.serve(self, req)
            else:
                handler = getattr(self, f"_{req['verb']}")
                code, body = yield from handler(req, rt, stages)
        except StatusError as err:
            stages.append(f"refused: {err.reason}")
            self._trace_request(client, req, rt, stages, err.code)
            self._audit(req, rt, err.code, err.status_message)
            self._reply(client, req, err.code, error=err)
            return
        self._trace_request(client, req, rt, stages, code)
        self._audit(req, rt, code)
        if code:
            self._reply(client, req, code, body)

    def _audit(self, req: dict, rt: Optional[ResourceType], code: int, message: str = "") -> None:
        ev = audit.event(self, req, rt, code, message)
        if ev is not None:
            self.audit_log.append(ev)

    def _trace_request(self, client: str, req: dict, rt: Optional[ResourceType], stages: list,
                       code: int):
        if req["verb"] in ("get", "list", "watch") and code < 400:
            return   # reads are visible as messages already; keep the trace light
        if rt is None:
            path = (req.get("options") or {}).get("path", "")
        else:
            path = request_path(rt, req.get("namespace"), req.get("name"), req.get("subresource", ""))
        user = req.get("user_info") or req.get("authenticated_user")
        self.record(f"{_HTTP_VERB[req['verb']]} {path} -> {code}", target=client,
                    verb=req["verb"], resource=rt.plural if rt else None,
                    namespace=req.get("namespace"), name=req.get("name"), code=code,
                    stages=stages, user=user.name if user else req.get("user"))

    # ------------------------------------------------------------------ reads
    def _get(self, req: dict, rt: ResourceType, stages: list):
        obj, _ = yield from self._read(rt, req.get("namespace"), req["name"])
        if obj is None:
            raise NotFoundError(rt.plural, req["name"], rt.group)
        if req.get("subresource") == "scale":
            return 200, _scale_of(obj)
        return 200, obj

    def _list(self, req: dict, rt: ResourceType, stages: list):
        if not (req.get("options") or {}).get("resourceVersion"):
            # A consistent list (no resourceVersion, as kubectl sends). Served from the watch
            # cache only after a quorum read of etcd's current revision, and once the cache
            # has caught up with it (KEP-2340 ConsistentListFromCache, on by default since
            # v1.31; waitUntilFreshAndBlock waits up to 3 s). Without a quorum it fails.
            reply = yield from self._etcd({"op": "txn", "compares": [], "success": [],
                                           "failure": []})
            revision = reply["revision"]
            stages.append(f"etcd: current revision {revision} (quorum read)")
            deadline = self.env.now + FRESH_CACHE_TIMEOUT
            while self.cache.revision < revision and self.env.now < deadline:
                yield self.env.timeout(0.001)
        match = _matcher(req)
        items = [deep_copy(o) for _, o in sorted(self.cache.objects[rt.plural].items())
                 if match(o, req.get("namespace") if rt.namespaced else None)]
        return 200, {"apiVersion": rt.api_version, "kind": f"{rt.kind}List",
                     "metadata": {"resourceVersion": str(self.cache.revision)}, "items": items}

    def _watch(self, req: dict, rt: ResourceType, stages: list):
        """Register a watcher and replay what it missed since its resourceVersion."""
        rv = int(req.get("options", {}).get("resourceVersion") or self.cache.revision)
        client = req["client"]
        if rv < self.cache.oldest_resumable():
            # k8s.io/apiserver/pkg/storage/cacher: "too old resource version"
            self.send(client, {"type": "api-watch", "id": req["id"], "event": "ERROR", "code": 410,
                               "message": f"too old resource version: {rv} "
                                          f"({self.cache.oldest_resumable() + 1})"},
                      "watch ERROR 410 Gone", rpc="api")
            return 0, None
        watcher = {"rt": rt, "namespace": req.get("namespace") if rt.namespaced else None,
                   "match": _matcher(req), "client": client, "id": req["id"],
                   "node": _node_of_selector(req) if rt.kind == "Pod" else None}
        self._watchers[(client, req["id"])] = watcher
        for change in self.cache.since(rv):
            if change.rt is rt:         # the window holds every resource's changes
                self._deliver(watcher, change)
        return 200, {"watching": True}
        yield  # pragma: no cover

    def _fan_out(self, change: Change) -> None:
        # One copy per change, shared by every watcher: like client-go's informer caches,
        # components must treat watched objects as read-only (they copy before changing).
        # Like the Cacher's triggerFunc for spec.nodeName, a kubelet's Pod watch is only
        # considered for Pods that are (or were) on its node.
        nodes = None
        if change.rt.kind == "Pod":
            nodes = {change.obj["spec"].get("nodeName"),
                     (change.old or {}).get("spec", {}).get("nodeName")}
        shared = None
        for watcher in list(self._watchers.values()):
            if watcher["rt"] is not change.rt:
                continue
            if nodes is not None and watcher["node"] is not None and watcher["node"] not in nodes:
                continue
            if shared is None:
                shared = deep_copy(change.obj)
            self._deliver(watcher, change, shared)

    def _deliver(self, watcher: dict, change: Change, shared: Optional[dict] = None) -> None:
        """Send a change to one watcher, turning selector moves into ADDED/DELETED."""
        match, ns = watcher["match"], watcher["namespace"]
        now_in = match(change.obj, ns) if change.type != "DELETED" else False
        was_in = change.old is not None and match(change.old, ns)
        if change.type == "DELETED":
            event = "DELETED" if was_in or match(change.obj, ns) else None
        elif now_in and was_in:
            event = "MODIFIED"
        elif now_in:
            event = "ADDED"
        elif was_in:
            event = "DELETED"
        else:
            event = None
        if event is None:
            return
        name = change.obj["metadata"]["name"]
        obj = shared if shared is not None else deep_copy(change.obj)
        self.send(watcher["client"], {"type": "api-watch", "id": watcher["id"], "event": event,
                                      "object": obj},
                  f"{event} {change.rt.plural}/{name}", rpc="api", rv=change.rv)

    # ------------------------------------------------------------------ writes
    def _create(self, req: dict, rt: ResourceType, stages: list):
        from ..api import defaults, validation
        if rt.plural in authz.REVIEWS:          # can-i: answered, never stored
            return authz.review(self, req, rt, req["user_info"])
        if req.get("subresource") == "binding":
            return (yield from self._bind(req, rt, stages))
        if req.get("subresource") == "token":   # kubectl create token (TokenRequest)
            return (yield from authn.token_request(self, req, rt, stages))
        obj = deep_copy(req["body"])
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            ns = req.get("namespace") or "default"
            if meta.get("namespace") not in (None, ns):
                raise BadRequestError("the namespace of the provided object does not match "
                                      "the namespace sent on the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        validation.decode(obj, rt)
        defaults.apply_defaults(obj, rt)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + random_suffix(
                self._stream(f"name:{meta.get('namespace', '')}/{meta['generateName']}"))
        meta["uid"] = str(uuid.UUID(
            int=self._stream(f"uid:{rt.plural}:{meta.get('namespace', '')}/{meta.get('name', '')}")
            .getrandbits(128), version=4))
        meta["creationTimestamp"] = clock.timestamp(self.env.now)
        yield from admission.namespace_lifecycle_live(self, rt.kind, meta.get("namespace"))
        stages.append(admission.mutate(self, rt, obj))
        prepare_for_create(rt, obj)      # PrepareForCreate runs after mutating admission
        if rt.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        note = authz.check_escalation(self, rt, obj, req["user_info"])
        if note:
            stages.append(f"RBAC escalation check: ok ({note})")
        errors = validation.validate(obj, rt)
        if errors:
            raise InvalidError(rt.kind, meta.get("name", ""), errors)
        stages.append("validation: ok")
        stages.append((yield from admission.validate_create(self, rt, obj, req["user_info"])))
        if rt.kind == "Service":   # ClusterIP / NodePort allocation (service_alloc.py)
            service_alloc.allocate(self, obj)
        stored = yield from self._write(rt, obj, None)
        if stored is None:
            service_alloc.release(self, obj if rt.kind == "Service" else None)
            raise AlreadyExistsError(rt.plural, meta["name"], rt.group)
        stages.append(f"etcd: committed rev {stored['metadata']['resourceVersion']}")
        return 201, stored

    def _update(self, req: dict, rt: ResourceType, stages: list, patch: Optional[dict] = None):
        from ..api import defaults, validation
        sub = req.get("subresource", "")
        ns, name = req.get("namespace"), req["name"]
        for _attempt in range(5):
            old, old_rev = yield from self._read(rt, ns, name)
            if old is None:
                raise NotFoundError(rt.plural, name, rt.group)
            if patch is not None:
                base = _scale_of(old) if sub == "scale" else old
                new = merge_patch(base, patch)
                new.setdefault("metadata", {})["resourceVersion"] = str(old_rev)
            else:
                new = deep_copy(req["body"])
            if sub == "scale":
                replicas = get_path(new, "spec.replicas", 0)
                new = deep_copy(old)
                new["spec"]["replicas"] = replicas
                new["metadata"]["resourceVersion"] = str(old_rev)
            meta = new.setdefault("metadata", {})
            want_rv = meta.get("resourceVersion")
            if want_rv and int(want_rv) != old_rev:
                raise ConflictError(rt.plural, name, rt.group)
            meta["name"], meta["namespace"] = name, ns if rt.namespaced else None
            if not rt.namespaced:
                meta.pop("namespace")
            validation.decode(new, rt)
            defaults.apply_defaults(new, rt)
            prepare_for_update(rt, new, old, sub)
            note = authz.check_escalation(self, rt, new, req["user_info"], old)
            if note:
                stages.append(f"RBAC escalation check: ok ({note})")
            errors = validation.validate(new, rt, old)
            if errors:
                raise InvalidError(rt.kind, name, errors)
            stages.append("validation: ok")
            admission.node_restriction(authz.is_node(req["user_info"]), rt, "update", name, ns,
                                       new, old, sub)
            stages.append("validating admission: ok")
            if old["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers") \
                    and old["metadata"].get("finalizers"):
                # Removing the last finalizer of a deleting object deletes it.
                ok = yield from self._remove(rt, old, old_rev)
                if ok:
                    stages.append("etcd: deleted (last finalizer removed)")
                    return 200, new
                continue
            if rt.kind == "Service" and sub != "status":   # keep/allocate IPs (service_alloc.py)
                service_alloc.allocate(self, new, old)
            if _same(new, old):
                stages.append("no change: nothing written")
                return 200, old
            stored = yield from self._write(rt, new, old_rev)
            if stored is not None:
                stages.append(f"etcd: committed rev {stored['metadata']['resourceVersion']}")
                return 200, (_scale_of(stored) if sub == "scale" else stored)
            if want_rv and patch is None:
                raise ConflictError(rt.plural, name, rt.group)
        raise ConflictError(rt.plural, name, rt.group)

    def _patch(self, req: dict, rt: ResourceType, stages: list):
        return (yield from self._update(req, rt, stages, patch=req["body"]))

    def _bind(self, req: dict, rt: ResourceType, stages: list):
        """POST pods/<name>/binding: the scheduler's decision (pkg/registry/core/pod/storage)."""
        ns, name = req.get("namespace"), req["name"]
        node = req["body"]["target"]["name"]
        pod, rev = yield from self._read(rt, ns, name)
        if pod is None:
            raise NotFoundError(rt.plural, name)
        if pod["spec"].get("nodeName"):
            raise ConflictError("pods/binding", name)
        if pod["metadata"].get("deletionTimestamp"):
            raise ConflictError("pods/binding", name)
        pod["spec"]["nodeName"] = node
        pod.setdefault("status", {}).pop("nominatedNodeName", None)   # storage.go assignPod
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        conditions[:] = [c for c in conditions if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": clock.timestamp(self.env.now)})
        stored = yield from self._write(rt, pod, rev)
        if stored is None:
            raise ConflictError("pods/binding", name)
        stages.append(f"etcd: committed rev {stored['metadata']['resourceVersion']}")
        return 201, {"kind": "Status", "status": "Success", "code": 201}

    def _delete(self, req: dict, rt: ResourceType, stages: list):
        ns, name = req.get("namespace"), req["name"]
        opts = req.get("options", {})
        for _attempt in range(5):
            obj, rev = yield from self._read(rt, ns, name)
            if obj is None:
                raise NotFoundError(rt.plural, name, rt.group)
            admission.node_restriction(authz.is_node(req["user_info"]), rt, "delete", name, ns,
                                       None, obj)
            meta = obj["metadata"]
            grace = opts.get("gracePeriodSeconds")
            policy = opts.get("propagationPolicy", "Background")
            graceful = False
            if rt.kind == "Pod" and obj["spec"].get("nodeName") and \
                    obj.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                if grace is None:
                    grace = obj["spec"].get("terminationGracePeriodSeconds", 30)
                graceful = grace > 0
            if rt.kind == "Namespace":
                # pkg/registry/core/namespace/storage: first delete marks it Terminating;
                # it is removed once the namespace controller has emptied it and cleared
                # spec.finalizers.
                if meta.get("deletionTimestamp"):
                    if obj.get("spec", {}).get("finalizers"):
                        return 200, obj
                    if (yield from self._remove(rt, obj, rev)):
                        stages.append("etcd: deleted")
                        return 200, obj
                    continue
                meta["deletionTimestamp"] = clock.timestamp(self.env.now)
                obj.setdefault("status", {})["phase"] = "Terminating"
                stored = yield from self._write(rt, obj, rev)
                if stored is None:
                    continue
                stages.append("etcd: namespace marked Terminating")
                return 200, stored
            finalizers = list(meta.get("finalizers", []))
            if policy == "Foreground" and "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
            if policy == "Orphan" and "orphan" not in finalizers:
                finalizers.append("orphan")
            if graceful or finalizers:
                if meta.get("deletionTimestamp") and not graceful:
                    return 200, obj        # already being deleted: nothing more to do
                if meta.get("deletionTimestamp") and graceful and rt.kind == "Pod":
                    if grace >= meta.get("deletionGracePeriodSeconds", 30):
                        return 200, obj
                meta["deletionTimestamp"] = clock.timestamp(self.env.now + (grace or 0))
                if rt.kind == "Pod":
                    meta["deletionGracePeriodSeconds"] = grace
                meta["finalizers"] = finalizers
                if not finalizers:
                    meta.pop("finalizers")
                stored = yield from self._write(rt, obj, rev)
                if stored is None:
                    continue
                stages.append(f"etcd: marked for deletion rev {stored['metadata']['resourceVersion']}")
                return 200, stored
            ok = yield from self._remove(rt, obj, rev)
            if ok:
                stages.append("etcd: deleted")
                service_alloc.release(self, obj if rt.kind == "Service" else None)
                return 200, obj
        raise ConflictError(rt.plural, name, rt.group)

    # ------------------------------------------------------------------ observer access
    def objects(self, rt: ResourceType) -> dict[str, dict]:
        """The watch cache's objects of one resource (read-only view for the Cluster facade)."""
        return self.cache.objects[rt.plural]


# ====================================================================== helpers
def _scale_of(obj: dict) -> dict:
    """The autoscaling/v1 Scale view of a Deployment or ReplicaSet."""
    from ..api.selectors import selector_to_string
    return {"apiVersion": "autoscaling/v1", "kind": "Scale",
            "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid",
                                                         "resourceVersion", "creationTimestamp")
                         if k in obj["metadata"]},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": selector_to_string(obj["spec"].get("selector") or {})}}


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386): ``None`` deletes, dicts merge, everything else replaces."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = deep_copy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _same(a: dict, b: dict) -> bool:
    strip = lambda o: {**o, "metadata": {k: v for k, v in o["metadata"].items()
                                         if k != "resourceVersion"}}
    return strip(a) == strip(b)


def _node_of_selector(req: dict) -> Optional[str]:
    """The node of a ``spec.nodeName=<node>`` field selector (a kubelet's watch), if any."""
    for field, op, value in parse_field_selector(req.get("options", {}).get("fieldSelector") or ""):
        if field == "spec.nodeName" and op == "=":
            return value
    return None


def parse_field_selector(text: str) -> list[tuple[str, str, str]]:
    """``spec.nodeName=worker-1,status.phase!=Failed`` -> [(field, op, value)]."""
    out = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        if "!=" in part:
            field, value = part.split("!=", 1)
            out.append((field, "!=", value))
        else:
            field, value = part.replace("==", "=").split("=", 1)
            out.append((field, "=", value))
    return out


def _matcher(req: dict):
    """A predicate ``(obj, namespace) -> bool`` for a list/watch request's selectors."""
    opts = req.get("options", {})
    label = opts.get("labelSelector")
    label_sel = None
    if label:
        from ..api.selectors import parse_selector
        label_sel = parse_selector(label)
    fields = parse_field_selector(opts.get("fieldSelector", ""))

    def match(obj: dict, namespace: Optional[str]) -> bool:
        meta = obj["metadata"]
        if namespace and meta.get("namespace") != namespace:
            return False
        if label_sel is not None and not label_sel.matches(meta.get("labels") or {}):
            return False
        for field, op, value in fields:
            actual = get_path(obj, field, "")
            if (actual == value) != (op == "="):
                return False
        return True
    return match
