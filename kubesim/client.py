"""The API client every component uses (kubesim's client-go): requests and watches.

Each call sends one request over the simulated network to an API server chosen by the
load balancer and returns a simpy event that succeeds with the response body or fails
with the :class:`~kubesim.errors.StatusError` the server answered with::

    pod = yield client.get("pods", "web-app-x7k2p", namespace="default")
    yield client.create("events", event, namespace="default")

A watch is a stream: :meth:`APIClient.watch` returns a :class:`Watch` whose ``events``
store receives ``("ADDED" | "MODIFIED" | "DELETED", object)`` in resourceVersion order,
and ``("CLOSED", None)`` / ``("ERROR", message)`` when the stream ends.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import simpy

from .errors import ServerUnavailableError, StatusError
from .util import deep_copy

#: Seconds a request may wait for its answer (client-go's HTTP client timeout).
REQUEST_TIMEOUT = 10.0
#: HTTP/2 health check on client connections (k8s.io/apimachinery/pkg/util/net/http.go:
#: ReadIdleTimeout 30 s, PingTimeout 15 s): a connection silent for 30 s is pinged, and
#: dropped if the ping gets no answer in 15 s — how a watch on a dead host is noticed.
HTTP2_READ_IDLE_TIMEOUT = 30.0
HTTP2_PING_TIMEOUT = 15.0


class Watch:
    """One watch stream (see module docstring)."""

    def __init__(self, env: simpy.Environment, wid: int, server: Optional[str] = None):
        self.id = wid
        self.events = simpy.Store(env)
        self.closed = False
        self.server = server          # the API server this stream is connected to

    def _put(self, item) -> None:
        if not self.closed:
            if item[0] in ("CLOSED", "ERROR"):
                self.closed = True
            self.events.put(item)


class APIClient:
    """Requests to the API server on behalf of one component (identity = ``user``)."""

    def __init__(self, owner, user: str, groups: tuple = (),
                 choose_server: Optional[Callable[[str], Optional[str]]] = None):
        self.owner = owner                    # the Component that sends and receives
        self.env = owner.env
        self.user = user
        self.groups = tuple(groups)
        self.choose_server = choose_server
        self._seq = 0
        self._pending: dict[int, simpy.Event] = {}
        self._watches: dict[int, Watch] = {}
        self._last_server: Optional[str] = None

    def reset(self) -> None:
        """Forget every request in flight (the component restarted)."""
        self._pending = {}
        self._watches = {}

    # ------------------------------------------------------------------ requests
    def request(self, verb: str, resource: str, namespace: Optional[str] = None,
                name: Optional[str] = None, body: Any = None, subresource: str = "",
                **options: Any) -> simpy.Event:
        """Send one request; the event's value is the response body."""
        self._seq += 1
        rid = self._seq
        ev = self.env.event()
        ev.defused = True           # a failure nobody waits for must not stop the simulation
        server = self.choose_server(self.owner.name) if self.choose_server else None
        self._last_server = server
        if server is None:
            # No healthy API server behind the load balancer: the TCP connection is refused.
            ev.fail(ServerUnavailableError(
                "The connection to the server kube-apiserver:6443 was refused - "
                "did you specify the right host or port?"))
            return ev
        msg = {"type": "api", "id": rid, "verb": verb, "resource": resource,
               "namespace": namespace, "name": name, "subresource": subresource,
               "body": deep_copy(body) if body is not None else None,
               "user": self.user, "groups": self.groups, "options": options}
        self._pending[rid] = ev
        self.owner.send(server, msg, _summary(verb, resource, namespace, name, subresource),
                        rpc="api", request=rid, verb=verb, resource=resource)
        self.env.timeout(REQUEST_TIMEOUT).callbacks.append(lambda _t: self._expire(rid))
        return ev

    def _expire(self, rid: int) -> None:
        ev = self._pending.pop(rid, None)
        if ev is not None and not ev.triggered:
            ev.fail(ServerUnavailableError(
                "Unable to connect to the server: net/http: request canceled "
                "(Client.Timeout exceeded while awaiting headers)"))

    def create(self, resource, body, namespace=None, subresource="", name=None):
        return self.request("create", resource, namespace, name, body, subresource)

    def get(self, resource, name, namespace=None, subresource=""):
        return self.request("get", resource, namespace, name, None, subresource)

    def list(self, resource, namespace=None, label_selector=None, field_selector=None,
             resource_version: str = ""):
        """List objects.  ``resource_version=""`` (kubectl's) asks for a *consistent* list: the
        API server first reads etcd's current revision with a quorum read.  ``"0"`` (an
        informer's first list) takes whatever the API server's watch cache holds."""
        return self.request("list", resource, namespace, None, None, "",
                            labelSelector=label_selector, fieldSelector=field_selector,
                            resourceVersion=resource_version)

    def update(self, resource, body, subresource=""):
        meta = body["metadata"]
        return self.request("update", resource, meta.get("namespace"), meta["name"], body,
                            subresource)

    def patch(self, resource, name, patch, namespace=None, subresource=""):
        """JSON merge patch (RFC 7386) of one object."""
        return self.request("patch", resource, namespace, name, patch, subresource)

    def delete(self, resource, name, namespace=None, grace_period=None, propagation=None):
        opts = {}
        if grace_period is not None:
            opts["gracePeriodSeconds"] = grace_period
        if propagation is not None:
            opts["propagationPolicy"] = propagation
        return self.request("delete", resource, namespace, name, None, "", **opts)

    def bind(self, pod: dict, node: str):
        """POST pods/<name>/binding (what kube-scheduler does to assign a Pod)."""
        meta = pod["metadata"]
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        return self.request("create", "pods", meta["namespace"], meta["name"], body, "binding")

    def watch(self, resource, namespace=None, label_selector=None, field_selector=None,
              resource_version: str = "") -> Watch:
        """Start a watch from ``resource_version`` (a list's resourceVersion)."""
        ev = self.request("watch", resource, namespace, None, None, "",
                          labelSelector=label_selector, fieldSelector=field_selector,
                          resourceVersion=resource_version)
        watch = Watch(self.env, self._seq, self._last_server)
        if ev.triggered:          # refused before it was sent
            watch._put(("ERROR", str(ev.value)))
            return watch
        self._watches[watch.id] = watch
        ev.callbacks.append(lambda e: None if e.ok else watch._put(("ERROR", str(e.value))))
        return watch

    # ------------------------------------------------------------------ replies
    def handle(self, msg: dict) -> bool:
        """Route an ``api-reply`` or ``api-watch`` message; True when it was ours."""
        kind = msg.get("type")
        if kind == "api-reply":
            ev = self._pending.pop(msg["id"], None)
            if ev is None or ev.triggered:
                return ev is not None
            if msg.get("error") is not None:
                ev.fail(msg["error"])
            else:
                ev.succeed(msg["body"])
            return True
        if kind == "api-watch":
            watch = self._watches.get(msg["id"])
            if watch is None:
                return False
            event = msg["event"]
            if event == "ERROR":
                watch._put(("ERROR", msg.get("message", "")))
            elif event == "CLOSED":
                watch._put(("CLOSED", None))
            else:
                watch._put((event, msg["object"]))
            if watch.closed:
                self._watches.pop(msg["id"], None)
            return True
        return False

    def answers_ping(self, watch: Watch) -> bool:
        """Would an HTTP/2 PING on the watch's connection be answered?  (Its server is up and
        not cut off from us by a partition.)"""
        network = self.owner.sim.network
        return (watch.server is not None and network.is_up(watch.server)
                and network.reachable(self.owner.name, watch.server))

    def stop_watch(self, watch: Watch) -> None:
        """Stop listening to a watch (the server side is simply ignored from now on)."""
        watch.closed = True
        self._watches.pop(watch.id, None)


def _summary(verb: str, resource: str, namespace, name, subresource: str) -> str:
    http = {"create": "POST", "get": "GET", "list": "LIST", "watch": "WATCH", "update": "PUT",
            "patch": "PATCH", "delete": "DELETE"}[verb]
    target = resource
    if namespace:
        target = f"{resource} -n {namespace}" if not name else f"{resource}/{name} -n {namespace}"
    elif name:
        target = f"{resource}/{name}"
    if subresource:
        target = target.replace(f"{resource}/{name}", f"{resource}/{name}/{subresource}")
    return f"{http} {target}"


def is_status_error(exc: BaseException, reason: str = "") -> bool:
    """True when ``exc`` is a StatusError (with ``reason`` if given)."""
    return isinstance(exc, StatusError) and (not reason or exc.reason == reason)
