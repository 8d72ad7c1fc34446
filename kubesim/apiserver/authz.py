"""Authorization: may this user do this? (the second stage of every request)

kube-apiserver asks its authorizers in turn (``--authorization-mode=Node,RBAC``); the
first that says *allow* wins, and if none does the request is **403 Forbidden** — there
is no "deny" rule anywhere, only the absence of an allow:

1. members of ``system:masters`` are always allowed (the privileged-group authorizer the
   API server puts first — this is why ``admin.conf`` can never lock itself out);
2. the **Node** authorizer answers for kubelets (``system:node:<name>`` in
   ``system:nodes``) with the rules of the ``system:node`` ClusterRole; the NodeRestriction
   admission plugin (:mod:`kubesim.apiserver.admission`) then keeps each kubelet to its own
   Node, Lease and Pods;
3. the **RBAC** authorizer (:func:`kubesim.rbac.authorize`) reads Roles, ClusterRoles and
   their bindings from this API server's watch cache, as the real one reads its informers.

This module also holds what the RBAC *registry* adds on writes of RBAC objects — the
escalation checks (``escalate`` and ``bind`` verbs) — and the two review endpoints
``kubectl auth can-i`` uses (SelfSubjectAccessReview, SelfSubjectRulesReview).

Sources: k8s.io/apiserver/pkg/endpoints/filters/authorization.go and
handlers/responsewriters/errors.go (the Forbidden message), plugin/pkg/auth/authorizer/node,
pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go,
pkg/registry/rbac/escalation_check.go, pkg/registry/authorization/*.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import rbac
from ..api.resources import ResourceType
from ..errors import ForbiddenError, NotFoundError, UnauthorizedError
from . import authn
from .authn import UserInfo
from .bootstrap_rbac import NODE_RULES

RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")

#: Create-only resources that are not stored: the review APIs ``kubectl auth can-i`` uses.
REVIEWS = {
    "selfsubjectaccessreviews": ResourceType("SelfSubjectAccessReview", "authorization.k8s.io", "v1",
                                             "selfsubjectaccessreviews", False),
    "selfsubjectrulesreviews": ResourceType("SelfSubjectRulesReview", "authorization.k8s.io", "v1",
                                            "selfsubjectrulesreviews", False),
    "selfsubjectreviews": ResourceType("SelfSubjectReview", "authentication.k8s.io", "v1",
                                       "selfsubjectreviews", False),
}


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do (k8s.io/apiserver/pkg/authorization/authorizer.Attributes)."""

    verb: str
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    api_group: str = ""
    path: str = ""

    @property
    def resource_request(self) -> bool:
        return not self.path

    def kwargs(self) -> dict:
        return dict(verb=self.verb, resource=self.resource, subresource=self.subresource,
                    namespace=self.namespace, name=self.name, api_group=self.api_group,
                    path=self.path)


def attributes(req: dict, rt: Optional[ResourceType]) -> Attributes:
    """The authorization attributes of one kubesim request (RequestInfo)."""
    path = (req.get("options") or {}).get("path")
    if rt is None or path:
        return Attributes(verb=req.get("verb", "get"), path=(path or "").split("?")[0])
    name = req.get("name") or ""
    if req["verb"] == "create" and not req.get("subresource"):
        name = ""         # POST to the collection: the name is not part of the URL
    return Attributes(verb=req["verb"], resource=rt.plural, subresource=req.get("subresource") or "",
                      namespace=(req.get("namespace") or "") if rt.namespaced else "",
                      name=name, api_group=rt.group)


def forbidden_message(user: str, attrs: Attributes) -> str:
    """``forbiddenMessage`` (responsewriters/errors.go)."""
    if not attrs.resource_request:
        return f'User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    if attrs.namespace:
        return (f'User "{user}" cannot {attrs.verb} resource "{resource}" in API group '
                f'"{attrs.api_group}" in the namespace "{attrs.namespace}"')
    return (f'User "{user}" cannot {attrs.verb} resource "{resource}" in API group '
            f'"{attrs.api_group}" at the cluster scope')


def forbidden(user: str, attrs: Attributes, reason: str = "") -> ForbiddenError:
    """The 403 a refused request gets (``responsewriters.Forbidden`` + ``NewForbidden``)."""
    msg = forbidden_message(user, attrs)
    if reason:
        msg = f"{msg}: {reason}"
    if not attrs.resource_request:
        return ForbiddenError(f"forbidden: {msg}")
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    if attrs.name:
        return ForbiddenError(f'{qualified} "{attrs.name}" is forbidden: {msg}')
    return ForbiddenError(f"{qualified} is forbidden: {msg}")


def is_node(user: UserInfo) -> Optional[str]:
    """The node name of a kubelet identity (``system:node:<name>`` in ``system:nodes``)."""
    if user.name.startswith("system:node:") and "system:nodes" in user.groups:
        return user.name[len("system:node:"):]
    return None


class Authorizer:
    """The authorizer chain of one API server replica, over its watch cache.

    Decisions are memoised until an RBAC object changes (the listeners of the watch cache
    call :meth:`on_change`), so the thousands of identical requests components send cost
    one dictionary lookup each.
    """

    def __init__(self) -> None:
        self._policy: Optional[rbac.Policy] = None
        self._memo: dict = {}

    def on_change(self, change) -> None:
        if change.rt.kind in RBAC_KINDS:
            self.invalidate()

    def invalidate(self) -> None:
        self._policy = None
        self._memo = {}

    def policy(self, cache) -> rbac.Policy:
        """The RBAC objects of the watch cache, indexed (rebuilt after each RBAC change)."""
        if self._policy is None:
            objs = []
            for plural in ("roles", "clusterroles", "rolebindings", "clusterrolebindings"):
                objs += [dict(o, kind=o.get("kind") or _KIND[plural])
                         for _, o in sorted(cache.objects[plural].items())]
            self._policy = rbac.Policy(objs)
        return self._policy

    def decide(self, cache, user: UserInfo, attrs: Attributes) -> tuple[rbac.Decision, str]:
        """``(decision, who)``: the union of system:masters, Node and RBAC."""
        key = (user.name, user.groups, attrs)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if rbac.SYSTEM_MASTERS in user.groups:
            result = (rbac.Decision(True, ""), "system:masters")
        elif is_node(user) and _node_rules_allow(attrs):
            result = (rbac.Decision(True, ""), "Node authorizer")
        else:
            d = rbac.authorize(self.policy(cache), user.name, user.groups, **attrs.kwargs())
            result = (d, "RBAC")
        self._memo[key] = result
        return result

    def rules_for(self, cache, user: UserInfo, namespace: str) -> tuple[list, list, bool]:
        """What a SelfSubjectRulesReview lists: resource rules, non-resource rules, incomplete."""
        resource, non_resource, incomplete = [], [], False
        if rbac.SYSTEM_MASTERS in user.groups:
            resource.append({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
            non_resource.append({"verbs": ["*"], "nonResourceURLs": ["*"]})
        if is_node(user):
            incomplete = True         # "node authorizer does not support user rule resolution"
        for r in rbac.rules_for(self.policy(cache), user.name, user.groups, namespace):
            if r.get("resources"):
                resource.append({k: list(r[k]) for k in ("verbs", "apiGroups", "resources",
                                                         "resourceNames") if k in r})
            if r.get("nonResourceURLs"):
                non_resource.append({"verbs": list(r.get("verbs") or []),
                                     "nonResourceURLs": list(r["nonResourceURLs"])})
        return resource, non_resource, incomplete


_KIND = {"roles": "Role", "clusterroles": "ClusterRole", "rolebindings": "RoleBinding",
         "clusterrolebindings": "ClusterRoleBinding"}


_NODE_MEMO: dict = {}


def _node_rules_allow(attrs: Attributes) -> bool:
    """Do the ``system:node`` rules allow this? (They name no objects, so the answer does
    not depend on the object's name or namespace: one memo for every kubelet.)"""
    key = (attrs.verb, attrs.resource, attrs.subresource, attrs.api_group, attrs.path)
    hit = _NODE_MEMO.get(key)
    if hit is None:
        hit = _NODE_MEMO[key] = rbac.rules_allow(
            NODE_RULES, verb=attrs.verb, resource=attrs.resource, subresource=attrs.subresource,
            api_group=attrs.api_group, path=attrs.path)
    return hit


# ============================================================================ the pipeline
_METHOD = {"x509": "client certificate", "token": "bearer token",
           "serviceaccount-token": "ServiceAccount token", "anonymous": "anonymous"}


def check_request(server, req: dict, rt: Optional[ResourceType], stages: list) -> UserInfo:
    """Authentication, impersonation and authorization of one request.

    Appends each stage's verdict to ``stages`` and raises the 401/403 StatusError of the
    first stage that refuses. Returns the user the request runs as.
    """
    req["attributes"] = attributes(req, rt)
    try:
        user = server.authn.authenticate(req, server.env.now, server.cache.objects["serviceaccounts"])
    except UnauthorizedError:
        stages.append("authentication: refused (no valid credentials)")
        raise
    req["authenticated_user"] = user
    stages.append(f"authentication: {user.name} ({_METHOD.get(user.method, user.method)})")
    headers = (req.get("options") or {}).get("headers") or {}

    def may_impersonate(requester: UserInfo, wanted: dict) -> None:
        attrs = Attributes(**wanted)
        decision, _ = server.authorizer.decide(server.cache, requester, attrs)
        if not decision.allowed:
            stages.append(f"impersonation: forbidden ({attrs.resource} {attrs.name})")
            req["decision"] = ("forbid", decision.reason)
            raise forbidden(requester.name, attrs, decision.reason)

    acting = authn.impersonate(user, headers, may_impersonate)
    if acting is not None:
        stages.append(f"impersonation: {user.name} acts as {acting.name}")
        user = acting
    req["user_info"] = user
    attrs = req["attributes"]
    decision, who = server.authorizer.decide(server.cache, user, attrs)
    req["decision"] = ("allow" if decision.allowed else "forbid", decision.reason)
    if not decision.allowed:
        stages.append("authorization: forbidden (no rule allows it)")
        raise forbidden(user.name, attrs, decision.reason)
    stages.append(f"authorization: allowed ({decision.reason or who})")
    return user


# ============================================================================ RBAC storage
def _only_gc_fields(new: dict, old: Optional[dict]) -> bool:
    """``IsOnlyMutatingGCFields``: the update touches only ownerReferences/finalizers."""
    if old is None:
        return False
    strip = lambda o: {**o, "metadata": {k: v for k, v in (o.get("metadata") or {}).items()
                                         if k not in ("ownerReferences", "finalizers",
                                                      "resourceVersion", "managedFields")}}
    return strip(new) == strip(old)


def check_escalation(server, rt: ResourceType, obj: dict, user: UserInfo,
                     old: Optional[dict] = None) -> Optional[str]:
    """The RBAC registry's escalation prevention on writes of RBAC objects.

    * A Role/ClusterRole may be written by a member of ``system:masters``, by someone
      allowed the ``escalate`` verb on it, or by someone who already holds every rule in it.
    * A RoleBinding/ClusterRoleBinding may be written by ``system:masters``, by someone
      allowed the ``bind`` verb on the role it refers to, or by someone who holds every
      rule of that role (in the binding's namespace).

    Returns a short description for the trace (None when nothing was checked); raises the
    403 (or 404 for a missing role) Kubernetes returns.
    """
    if rt.kind not in RBAC_KINDS or rbac.SYSTEM_MASTERS in user.groups:
        return None
    if _only_gc_fields(obj, old):
        return None
    meta = obj["metadata"]
    ns = (meta.get("namespace") or "") if rt.namespaced else ""
    name = meta.get("name", "")
    policy = server.authorizer.policy(server.cache)
    qualified = f"{rt.plural}.{rt.group}"
    if rt.kind in ("Role", "ClusterRole"):
        attrs = Attributes(verb="escalate", resource=rt.plural, namespace=ns, name=name,
                           api_group=rt.group)
        if server.authorizer.decide(server.cache, user, attrs)[0].allowed:
            return "escalate verb allowed"
        rules = obj.get("rules") or []
    else:
        ref = obj.get("roleRef") or {}
        role_plural = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
        attrs = Attributes(verb="bind", resource=role_plural, namespace=ns,
                           name=ref.get("name", ""), api_group=ref.get("apiGroup", ""))
        if server.authorizer.decide(server.cache, user, attrs)[0].allowed:
            return "bind verb allowed"
        rules, err = policy.role_reference_rules(ref, ns)
        if err:
            raise NotFoundError(role_plural, ref.get("name", ""), rbac.GROUP_NAME)
    msg = rbac.confirm_no_escalation(policy, user.name, user.groups, ns, rules)
    if msg:
        raise ForbiddenError(f'{qualified} "{name}" is forbidden: {msg}')
    return "the user already holds every permission"


# ============================================================================ reviews
def review(server, req: dict, rt: ResourceType, user: UserInfo) -> tuple[int, dict]:
    """Answer a SelfSubjectAccessReview or SelfSubjectRulesReview (nothing is stored)."""
    body = req.get("body") or {}
    spec = body.get("spec") or {}
    out = {"apiVersion": rt.api_version, "kind": rt.kind,
           "metadata": {"creationTimestamp": None}, "spec": spec}
    if rt.plural == "selfsubjectreviews":        # kubectl auth whoami
        out.pop("spec")
        out["status"] = {"userInfo": {"username": user.name, "groups": list(user.groups)}}
        return 201, out
    if rt.plural == "selfsubjectaccessreviews":
        res, non = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if non:
            attrs = Attributes(verb=non.get("verb", ""), path=non.get("path", ""))
        else:
            res = res or {}
            attrs = Attributes(verb=res.get("verb", ""), resource=res.get("resource", ""),
                               subresource=res.get("subresource", ""),
                               namespace=res.get("namespace", ""), name=res.get("name", ""),
                               api_group=res.get("group", ""))
        decision, _ = server.authorizer.decide(server.cache, user, attrs)
        status = {"allowed": decision.allowed}
        if decision.reason:
            status["reason"] = decision.reason
        out["status"] = status
        return 201, out
    resource, non_resource, incomplete = server.authorizer.rules_for(
        server.cache, user, spec.get("namespace") or "")
    out["status"] = {"resourceRules": resource, "nonResourceRules": non_resource,
                     "incomplete": incomplete}
    if incomplete:
        out["status"]["evaluationError"] = "node authorizer does not support user rule resolution"
    return 201, out
