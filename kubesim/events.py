"""Emitting Kubernetes Events (client-go tools/record): what ``kubectl describe`` lists.

An :class:`EventRecorder` creates a ``v1/Event`` about an object through the API server.
Repeats of the same event (same object, reason, message) are folded into the first one:
its ``count`` goes up and ``lastTimestamp`` moves, as client-go's EventCorrelator does —
that is why ``kubectl describe`` shows ``(x4 over 2m)``.
"""
from __future__ import annotations

from .api import clock


class EventRecorder:
    """Records events for one component (``source`` is e.g. ``default-scheduler``)."""

    def __init__(self, component, client, source: str, host: str = ""):
        self.component = component
        self.client = client
        self.source = source
        self.host = host
        self._seen: dict[tuple, dict] = {}
        self._unique = 0

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str = "") -> None:
        """Emit (or fold into an earlier) Event about ``obj``; fire-and-forget."""
        env = self.component.env
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        now = clock.timestamp(env.now)
        key = (meta.get("uid"), reason, message, type_, field_path)
        self.component.record(f"event {reason}: {message}", kind="event",
                              object=f"{obj.get('kind', '').lower()}/{meta['name']}",
                              namespace=meta.get("namespace"), reason=reason, type=type_)
        seen = self._seen.get(key)
        if seen is not None:
            seen["count"] += 1
            seen["lastTimestamp"] = now
            self.client.patch("events", seen["name"], {"count": seen["count"], "lastTimestamp": now},
                              namespace=ns)
            return
        self._unique += 1
        # client-go names events "<object name>.<unix nanoseconds in hex>".
        nanos = int((clock.EPOCH.timestamp() + env.now) * 1e9)
        name = f"{meta['name']}.{nanos + self._unique:x}"
        involved = {"kind": obj.get("kind"), "namespace": meta.get("namespace"),
                    "name": meta["name"], "uid": meta.get("uid"),
                    "apiVersion": obj.get("apiVersion"),
                    "resourceVersion": meta.get("resourceVersion")}
        if field_path:
            involved["fieldPath"] = field_path
        event = {"apiVersion": "v1", "kind": "Event",
                 "metadata": {"name": name, "namespace": ns},
                 "involvedObject": {k: v for k, v in involved.items() if v is not None},
                 "reason": reason, "message": message, "type": type_, "count": 1,
                 "firstTimestamp": now, "lastTimestamp": now,
                 "source": {"component": self.source, **({"host": self.host} if self.host else {})},
                 "reportingComponent": self.source, "reportingInstance": self.host or self.source}
        self._seen[key] = {"name": name, "count": 1}
        self.client.create("events", event, namespace=ns)
