"""Informers and work queues: how every component watches the cluster (client-go tools/cache).

An :class:`Informer` lists a resource once, then watches it from the list's
resourceVersion, keeping a local cache (``informer.store``) and calling handlers on
every change.  If the watch breaks (API server crash, ``410 Gone``) it lists again.
Handlers should only *enqueue keys* into a :class:`WorkQueue`; workers pop a key and
reconcile from the cache — level-triggered, so a missed event never matters.
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Optional

import simpy

from .client import HTTP2_PING_TIMEOUT, HTTP2_READ_IDLE_TIMEOUT
from .errors import StatusError


def key_of(obj: dict) -> str:
    """``namespace/name`` (or ``name`` for cluster-scoped objects): the cache key."""
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


class Informer:
    """List + watch one resource into a local cache, with add/update/delete handlers."""

    def __init__(self, component, client, resource: str, namespace: Optional[str] = None,
                 label_selector: Optional[str] = None, field_selector: Optional[str] = None):
        self.component = component
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.store: dict[str, dict] = {}
        self.synced = component.env.event()
        self._handlers: list[tuple[Optional[Callable], Optional[Callable], Optional[Callable]]] = []
        self.started = False

    def add_handlers(self, on_add=None, on_update=None, on_delete=None) -> "Informer":
        """Register callbacks: ``on_add(obj)``, ``on_update(old, new)``, ``on_delete(obj)``.

        Like client-go's ``AddEventHandler``, a handler added to an informer that already
        holds objects first receives an ``on_add`` for each of them.
        """
        self._handlers.append((on_add, on_update, on_delete))
        if on_add is not None:
            for key in sorted(self.store):
                on_add(self.store[key])
        return self

    def start(self) -> None:
        """Begin listing and watching (once)."""
        if not self.started:
            self.started = True
            self.component.run(self._run())

    def get(self, key: str) -> Optional[dict]:
        return self.store.get(key)

    def list(self) -> list[dict]:
        return [self.store[k] for k in sorted(self.store)]

    # ------------------------------------------------------------------ the reflector
    def _run(self):
        env = self.component.env
        rng = self.component.rng
        backoff = 0.8
        while True:
            try:
                # resourceVersion "0": served from the API server's watch cache, as
                # client-go's reflector lists (no quorum read of etcd needed).
                listing = yield self.client.list(self.resource, self.namespace,
                                                 self.label_selector, self.field_selector,
                                                 resource_version="0")
            except StatusError:
                yield env.timeout(backoff * (1 + rng.random()))
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 0.8
            self._replace(listing["items"])
            if not self.synced.triggered:
                self.synced.succeed()
            rv = listing["metadata"]["resourceVersion"]
            watch = self.client.watch(self.resource, self.namespace, self.label_selector,
                                      self.field_selector, resource_version=rv)
            # client-go's reflector ends each watch after a random 5–10 minutes and
            # starts a new one, so a stream that silently stalled is replaced.
            deadline = env.timeout(300 * (1 + rng.random()))
            # A watch on a host that died (or was cut off) gets no reset: the HTTP/2 health
            # check notices the silence and drops the connection, and the reflector re-lists.
            idle = env.timeout(HTTP2_READ_IDLE_TIMEOUT)
            last_heard = env.now
            get = watch.events.get()
            while True:
                result = yield get | deadline | idle
                if get in result:
                    event, obj = result[get]
                    if event in ("CLOSED", "ERROR"):
                        yield env.timeout(0.2 * (1 + rng.random()))
                        break
                    self._apply(event, obj)
                    get = watch.events.get()
                    last_heard = env.now
                    continue
                if deadline not in result:
                    quiet = env.now - last_heard
                    if HTTP2_READ_IDLE_TIMEOUT - quiet > 1e-6:   # heard from it since: re-arm
                        idle = env.timeout(HTTP2_READ_IDLE_TIMEOUT - quiet)
                        continue
                    if self.client.answers_ping(watch):         # PING answered
                        idle = env.timeout(HTTP2_READ_IDLE_TIMEOUT)
                        last_heard = env.now
                        continue
                if deadline not in result:
                    yield env.timeout(HTTP2_PING_TIMEOUT)            # PING unanswered
                get.cancel()
                self.client.stop_watch(watch)
                break

    def _replace(self, items: list[dict]) -> None:
        fresh = {key_of(o): o for o in items}
        for key in sorted(set(self.store) - set(fresh)):
            self._apply("DELETED", self.store[key])
        for key in sorted(fresh):
            self._apply("MODIFIED" if key in self.store else "ADDED", fresh[key])

    def _apply(self, event: str, obj: dict) -> None:
        key = key_of(obj)
        old = self.store.get(key)
        if event == "DELETED":
            self.store.pop(key, None)
            for _, _, on_delete in self._handlers:
                if on_delete:
                    on_delete(obj)
            return
        self.store[key] = obj
        for on_add, on_update, _ in self._handlers:
            if old is None and on_add:
                on_add(obj)
            elif old is not None and on_update:
                on_update(old, obj)


class WorkQueue:
    """A de-duplicating queue of keys with per-key exponential back-off.

    Same rules as client-go's workqueue: a key is never handed to two workers at once; a
    key added while being processed is handed out again after :meth:`done`; failures
    wait 5 ms · 2^n (at most 1000 s) before the key comes back
    (ItemExponentialFailureRateLimiter defaults).
    """

    BASE_DELAY = 0.005
    MAX_DELAY = 1000.0

    def __init__(self, env: simpy.Environment, name: str = ""):
        self.env = env
        self.name = name
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()
        self._processing: set[str] = set()
        self._failures: dict[str, int] = {}
        self._getters: list[simpy.Event] = []

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: str) -> None:
        """Queue ``key`` unless it is already waiting."""
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake()

    def add_after(self, key: str, delay: float) -> None:
        """Queue ``key`` after ``delay`` seconds."""
        self.env.timeout(delay).callbacks.append(lambda _e: self.add(key))

    def add_rate_limited(self, key: str) -> None:
        """Queue ``key`` again after its back-off (after a failed reconcile)."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(self.BASE_DELAY * (2 ** n), self.MAX_DELAY))

    def forget(self, key: str) -> None:
        """Reset ``key``'s back-off (after a successful reconcile)."""
        self._failures.pop(key, None)

    def get(self) -> simpy.Event:
        """An event whose value is the next key (waits while the queue is empty)."""
        ev = self.env.event()
        self._getters.append(ev)
        self._wake()
        return ev

    def done(self, key: str) -> None:
        """Mark ``key`` processed; if it was added meanwhile it is queued again."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake()

    def _wake(self) -> None:
        while self._queue and self._getters:
            key = self._queue.popleft()
            self._dirty.discard(key)
            self._processing.add(key)
            self._getters.pop(0).succeed(key)
