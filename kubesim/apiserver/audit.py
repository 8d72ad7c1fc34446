"""The audit log: who asked for what, and what the API server decided.

Every API server replica writes one ``audit.k8s.io/v1`` Event per request at the
``Metadata`` level (user, verb, object, response code, and the authorizer's decision in
the ``authorization.k8s.io/decision`` / ``…/reason`` annotations), as ``--audit-policy-file``
with a ``level: Metadata`` rule does. Like the usual policies, health checks
(``/livez``, ``/readyz``, ``/healthz``) are not recorded.

``Cluster.audit`` merges the replicas' logs in time order::

    >>> c.audit.filter(user="alice", decision="forbid")
    >>> print(c.audit.table(last=5))

Source: k8s.io/apiserver/pkg/apis/audit/v1/types.go (Event), pkg/audit/request.go.
"""
from __future__ import annotations

from typing import Optional

from ..api import clock

#: Paths the default policy does not record (``level: None``).
SKIPPED_PATHS = ("/livez", "/readyz", "/healthz")


def event(server, req: dict, rt, code: int, message: str = "") -> Optional[dict]:
    """One audit Event for a finished request (None when the policy skips it)."""
    path = (req.get("options") or {}).get("path") or ""
    if path.split("?")[0] in SKIPPED_PATHS:
        return None
    user = req.get("authenticated_user")
    acting = req.get("user_info")
    from .server import request_path
    if rt is not None and not path:
        uri = request_path(rt, req.get("namespace") if rt.namespaced else None,
                           None if req["verb"] in ("create", "list", "watch") and not req.get("subresource")
                           else req.get("name"), req.get("subresource") or "")
        ref = {"resource": rt.plural, "apiGroup": rt.group, "apiVersion": rt.version}
        if rt.namespaced and req.get("namespace"):
            ref["namespace"] = req["namespace"]
        if req.get("name"):
            ref["name"] = req["name"]
        if req.get("subresource"):
            ref["subresource"] = req["subresource"]
    else:
        uri, ref = path, None
    ev = {"apiVersion": "audit.k8s.io/v1", "kind": "Event", "level": "Metadata",
          "auditID": f"{server.name}-{req['client']}-{req['id']}", "stage": "ResponseComplete",
          "requestURI": uri, "verb": req["verb"],
          "user": {"username": user.name if user else "", "groups": list(user.groups) if user else []},
          "sourceIPs": [req["client"]], "userAgent": req["client"],
          "responseStatus": {"code": code},
          "requestReceivedTimestamp": clock.timestamp(server.env.now),
          "time": server.env.now, "apiserver": server.name}
    if ref:
        ev["objectRef"] = ref
    if acting is not None and user is not None and acting is not user:
        ev["impersonatedUser"] = {"username": acting.name, "groups": list(acting.groups)}
    if message and code >= 400:
        ev["responseStatus"]["message"] = message
    decision = req.get("decision")
    if decision:
        ev["annotations"] = {"authorization.k8s.io/decision": decision[0],
                             "authorization.k8s.io/reason": decision[1]}
    return ev


class AuditLog(list):
    """Audit events in time order (a list of dicts) with a filter and a table view."""

    def filter(self, user: Optional[str] = None, verb: Optional[str] = None,
               resource: Optional[str] = None, namespace: Optional[str] = None,
               decision: Optional[str] = None, code: Optional[int] = None) -> "AuditLog":
        """Events matching every given field; ``user`` matches the user the request ran as
        (the impersonated one, if any)."""
        out = AuditLog()
        for ev in self:
            if user is not None and acting_user(ev) != user:
                continue
            if verb is not None and ev["verb"] != verb:
                continue
            ref = ev.get("objectRef") or {}
            if resource is not None and ref.get("resource") != resource:
                continue
            if namespace is not None and ref.get("namespace") != namespace:
                continue
            if decision is not None and (ev.get("annotations") or {}).get(
                    "authorization.k8s.io/decision") != decision:
                continue
            if code is not None and ev["responseStatus"]["code"] != code:
                continue
            out.append(ev)
        return out

    def table(self, last: Optional[int] = None, times: bool = True) -> str:
        """A text table: time, user, verb, what, response code, decision."""
        rows = [("TIME", "USER", "VERB", "REQUEST", "CODE", "DECISION")]
        for ev in (self[-last:] if last else self):
            who = acting_user(ev)
            if ev.get("impersonatedUser"):
                who = f"{ev['user']['username']} as {who}"
            rows.append((f"{ev['time']:.3f}", who, ev["verb"], ev["requestURI"],
                         str(ev["responseStatus"]["code"]),
                         (ev.get("annotations") or {}).get("authorization.k8s.io/decision", "-")))
        if not times:
            rows = [r[1:] for r in rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()
                         for r in rows)


def acting_user(ev: dict) -> str:
    """The user a request ran as: the impersonated user if there was one."""
    return (ev.get("impersonatedUser") or ev["user"])["username"]
