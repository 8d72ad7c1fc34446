"""Authentication: who is asking? (the first stage of every request)

kube-apiserver tries its authenticators in turn; the first that recognises the request's
credentials names the user (a name and groups). kubesim has the usual ones:

* **bearer tokens** (``Authorization: Bearer …``): a *static token file*
  (``--token-auth-file``, :meth:`Authenticator.add_token`) and **ServiceAccount tokens**
  (signed tokens naming ``system:serviceaccount:<namespace>:<name>``, made by
  ``kubectl create token``; the ServiceAccount must still exist);
* **x509 client certificates**: the certificate's CN is the user name and its O fields
  are the groups (``admin.conf`` holds CN=kubernetes-admin, O=system:masters; a kubelet's
  CN=system:node:<node>, O=system:nodes);
* **anonymous** requests are refused with ``401 Unauthorized`` — except for the health
  endpoints ``/livez``, ``/readyz``, ``/healthz`` (the v1.32+ AuthenticationConfiguration
  ``anonymous.conditions``), which load balancers probe without credentials.

Every authenticated user is also in ``system:authenticated``; every ServiceAccount in
``system:serviceaccounts`` and ``system:serviceaccounts:<namespace>``.

Then **impersonation** (``kubectl --as`` / ``--as-group``): the authenticated user asks to
act as someone else, which itself needs the ``impersonate`` verb on ``users``, ``groups``
or ``serviceaccounts`` (:func:`impersonate`).

kubesim's request messages carry the client certificate's subject as ``user``/``groups``
and the headers (token, Impersonate-User/Group) in ``options["headers"]``. In-cluster
components whose name is a ServiceAccount (CoreDNS, the CNI agent) stand for Pods that
present their projected ServiceAccount token.

Sources: k8s.io/apiserver/pkg/authentication (request/x509, token/tokenfile,
serviceaccount, group/authenticated_group_adder.go), pkg/serviceaccount/jwt.go,
k8s.io/apiserver/pkg/endpoints/filters/impersonation.go.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable, Optional

from .. import rbac
from ..errors import StatusError, UnauthorizedError

ANONYMOUS = "system:anonymous"
#: Paths anonymous requests may reach (AuthenticationConfiguration anonymous.conditions).
ANONYMOUS_PATHS = ("/livez", "/readyz", "/healthz")
TOKEN_ISSUER = "https://kubernetes.default.svc.cluster.local"
TOKEN_TTL = 3600          # kubectl create token's default --duration (1h)


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity (k8s.io/apiserver/pkg/authentication/user.Info)."""

    name: str
    groups: tuple = ()
    #: How the user was recognised: "x509", "token", "serviceaccount-token", "anonymous".
    method: str = ""

    def __str__(self) -> str:
        return self.name


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """The API server's authenticator chain (one shared configuration for every replica)."""

    def __init__(self, signing_key: bytes = b"kubesim", anonymous_paths=ANONYMOUS_PATHS):
        #: The static token file: token -> (user, groups).
        self.tokens: dict[str, tuple[str, tuple]] = {}
        self.signing_key = signing_key
        self.anonymous_paths = tuple(anonymous_paths)

    # ------------------------------------------------------------------ configuration
    def add_token(self, token: str, user: str, groups=()) -> str:
        """Add a line to the static token file (``token,user,uid,"group1,group2"``)."""
        self.tokens[token] = (user, tuple(groups))
        return token

    def serviceaccount_token(self, namespace: str, name: str, uid: str, now: float,
                             seconds: int = TOKEN_TTL) -> str:
        """A signed token for a ServiceAccount (what a TokenRequest returns).

        Shaped like Kubernetes' JWT (header.payload.signature, payload readable with
        base64); kubesim signs with HMAC-SHA256 instead of the RS256 service-account key.
        """
        header = {"alg": "HS256", "kid": "kubesim"}
        payload = {"aud": [TOKEN_ISSUER], "exp": int(now) + seconds, "iat": int(now),
                   "iss": TOKEN_ISSUER,
                   "kubernetes.io": {"namespace": namespace,
                                     "serviceaccount": {"name": name, "uid": uid}},
                   "nbf": int(now), "sub": rbac.serviceaccount_username(namespace, name)}
        signing_input = ".".join(_b64(json.dumps(p, sort_keys=True, separators=(",", ":")).encode())
                                 for p in (header, payload))
        sig = hmac.new(self.signing_key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(sig)}"

    # ------------------------------------------------------------------ authentication
    def authenticate(self, req: dict, now: float, serviceaccounts: dict) -> UserInfo:
        """The user of a request, or raise ``401 Unauthorized``.

        ``serviceaccounts`` is the watch cache's ServiceAccounts (``ns/name`` -> object):
        a ServiceAccount token of a deleted account is rejected.
        """
        headers = (req.get("options") or {}).get("headers") or {}
        token = headers.get("token")
        if token:
            if token in self.tokens:
                user, groups = self.tokens[token]
                return _authenticated(user, groups, "token")
            info = self._serviceaccount(token, now, serviceaccounts)
            if info is None:
                raise UnauthorizedError()
            return info
        if req.get("user"):
            user = req["user"]
            groups = tuple(req.get("groups") or ())
            sa = rbac.split_serviceaccount(user)
            if sa:      # an in-cluster component presenting its ServiceAccount identity
                return _authenticated(user, rbac.serviceaccount_groups(sa[0]) + groups,
                                      "serviceaccount-token")
            return _authenticated(user, groups, "x509")
        path = (req.get("options") or {}).get("path") or ""
        if not req.get("resource") and path.split("?")[0] in self.anonymous_paths:
            return UserInfo(ANONYMOUS, (rbac.ALL_UNAUTHENTICATED,), "anonymous")
        raise UnauthorizedError()

    def _serviceaccount(self, token: str, now: float, serviceaccounts: dict) -> Optional[UserInfo]:
        """Validate a ServiceAccount token: signature, expiry, and that the account exists."""
        try:
            head, body, sig = token.split(".")
            expected = hmac.new(self.signing_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(sig)):
                return None
            claims = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return None
        if claims.get("exp", 0) < now:
            return None
        ref = claims.get("kubernetes.io") or {}
        ns, sa = ref.get("namespace", ""), (ref.get("serviceaccount") or {})
        live = serviceaccounts.get(f"{ns}/{sa.get('name', '')}")
        if live is None or live["metadata"].get("uid") != sa.get("uid"):
            return None
        return _authenticated(rbac.serviceaccount_username(ns, sa["name"]),
                              rbac.serviceaccount_groups(ns), "serviceaccount-token")


def _authenticated(user: str, groups, method: str) -> UserInfo:
    """Add ``system:authenticated`` (group/authenticated_group_adder.go)."""
    groups = tuple(groups)
    if rbac.ALL_AUTHENTICATED not in groups:
        groups = groups + (rbac.ALL_AUTHENTICATED,)
    return UserInfo(user, groups, method)


# ============================================================================ impersonation
def impersonation_requests(headers: dict) -> list[dict]:
    """The things a request asks to impersonate: a user or ServiceAccount, then groups."""
    wanted = []
    as_user = headers.get("impersonate-user")
    if as_user:
        sa = rbac.split_serviceaccount(as_user)
        if sa:
            wanted.append({"kind": "ServiceAccount", "namespace": sa[0], "name": sa[1]})
        else:
            wanted.append({"kind": "User", "name": as_user})
    for group in headers.get("impersonate-group") or ():
        wanted.append({"kind": "Group", "name": group})
    return wanted


def impersonate(requester: UserInfo, headers: dict,
                authorize: Callable[[UserInfo, dict], tuple]) -> Optional[UserInfo]:
    """Apply ``Impersonate-User`` / ``Impersonate-Group`` (filters/impersonation.go).

    Each thing asked for is authorized as verb ``impersonate`` on ``users``, ``groups`` or
    ``serviceaccounts``; the first refusal raises 403 (via ``authorize``, which returns
    ``(allowed, reason, attributes)``). Returns the new user, or None without headers.
    """
    wanted = impersonation_requests(headers)
    if not wanted:
        return None
    if not headers.get("impersonate-user"):
        raise StatusError(f"Internal Server Error: requested {wanted} without impersonating a user",
                          code=500, reason="InternalError")
    username, groups = "", []
    for item in wanted:
        attrs = {"verb": "impersonate", "name": item["name"], "api_group": "",
                 "namespace": item.get("namespace", "")}
        if item["kind"] == "ServiceAccount":
            attrs["resource"] = "serviceaccounts"
            username = rbac.serviceaccount_username(item["namespace"], item["name"])
        elif item["kind"] == "User":
            attrs["resource"] = "users"
            username = item["name"]
        else:
            attrs["resource"] = "groups"
            groups.append(item["name"])
        authorize(requester, attrs)          # raises ForbiddenError when not allowed
    sa = rbac.split_serviceaccount(username)
    if sa and not headers.get("impersonate-group"):
        groups = list(rbac.serviceaccount_groups(sa[0]))
    if username != ANONYMOUS:
        if rbac.ALL_AUTHENTICATED not in groups and rbac.ALL_UNAUTHENTICATED not in groups:
            groups.append(rbac.ALL_AUTHENTICATED)
    elif rbac.ALL_UNAUTHENTICATED not in groups:
        groups.append(rbac.ALL_UNAUTHENTICATED)
    return UserInfo(username, tuple(groups), "impersonated")



# ============================================================================ TokenRequest
def token_request(server, req: dict, rt, stages: list):
    """A generator: ``POST serviceaccounts/<name>/token`` (what ``kubectl create token``
    sends) — a token for an existing ServiceAccount (pkg/registry/core/serviceaccount)."""
    from ..api import clock
    from ..errors import NotFoundError
    ns, name = req.get("namespace"), req["name"]
    sa, _rev = yield from server._read(rt, ns, name)
    if sa is None:
        raise NotFoundError("serviceaccounts", name)
    spec = (req.get("body") or {}).get("spec") or {}
    seconds = int(spec.get("expirationSeconds") or TOKEN_TTL)
    token = server.authn.serviceaccount_token(ns, name, sa["metadata"]["uid"], server.env.now, seconds)
    stages.append("token signed (not stored)")
    return 201, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                 "metadata": {"name": name, "namespace": ns, "creationTimestamp": None},
                 "spec": {"audiences": [TOKEN_ISSUER], "expirationSeconds": seconds},
                 "status": {"token": token,
                            "expirationTimestamp": clock.timestamp(server.env.now + seconds)}}
