"""How Kubernetes' RBAC authorizer decides — pure functions over RBAC manifests.

Open this file to see the whole decision a kube-apiserver makes for "may *user* *verb*
*resource* in *namespace*?"::

    >>> from kubesim import rbac
    >>> d = rbac.authorize(objects, user="alice", groups=("dev",), verb="list",
    ...                    resource="pods", namespace="finance-prod")
    >>> d.allowed, d.reason
    (True, 'RBAC: allowed by RoleBinding "read-pods/finance-prod" of Role "readonly" to User "alice"')

``objects`` are Role / ClusterRole / RoleBinding / ClusterRoleBinding manifests (dicts,
as ``kubectl get -o yaml`` shows them). The rules are the Kubernetes ones:

1. **Nothing is allowed unless a rule allows it** — there are no deny rules. Rules of every
   binding that applies to the user are simply added up.
2. A **ClusterRoleBinding** grants its role's rules in every namespace (and for
   cluster-scoped resources); a **RoleBinding** grants only in its own namespace — even
   when it refers to a ClusterRole.
3. A rule matches when its verb, API group, resource (``pods``, ``pods/log``, ``*/scale``),
   resource name (if it lists any) all match — or, for a non-resource request, its verb
   and URL (``/healthz``, ``/apis/*``). ``*`` is a wildcard everywhere.
4. **Escalation prevention** (:func:`covers`): you may only write a Role, or bind one,
   whose every permission you already hold — unless you have the ``escalate`` / ``bind``
   verb.

Sources (Kubernetes v1.33): plugin/pkg/auth/authorizer/rbac/rbac.go (``RuleAllows``,
``Authorize``), pkg/apis/rbac/v1/evaluation_helpers.go (the matchers),
pkg/registry/rbac/validation/rule.go (``VisitRulesFor``, ``appliesTo``,
``ConfirmNoEscalation``), k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go
(``Covers``), plugin/pkg/auth/authorizer/rbac/subject_locator.go (``AllowedSubjects``),
pkg/controller/clusterroleaggregation (aggregated ClusterRoles).

Everything here is pure: no simpy, no network. The API server
(:mod:`kubesim.apiserver.authz`) calls these same functions with the RBAC objects of its
watch cache.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence, Union

VERB_ALL = API_GROUP_ALL = RESOURCE_ALL = NON_RESOURCE_ALL = "*"
GROUP_NAME = "rbac.authorization.k8s.io"
#: The group whose members may do anything (k8s.io/apiserver/pkg/authentication/user).
SYSTEM_MASTERS = "system:masters"
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
SA_PREFIX = "system:serviceaccount:"

RULE_FIELDS = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")


@dataclass(frozen=True)
class Decision:
    """An authorizer's answer: ``allowed`` and the ``reason`` (empty when nothing matched)."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


# ============================================================================ rule matching
# pkg/apis/rbac/v1/evaluation_helpers.go

def _list(rule: dict, field: str) -> list:
    return list(rule.get(field) or [])


def verb_matches(rule: dict, verb: str) -> bool:
    """``VerbMatches``: ``*`` or the exact verb (case matters: ``GET`` is not ``get``)."""
    return any(v == VERB_ALL or v == verb for v in _list(rule, "verbs"))


def api_group_matches(rule: dict, group: str) -> bool:
    """``APIGroupMatches``: ``*`` or the exact group (``""`` is the core group)."""
    return any(g == API_GROUP_ALL or g == group for g in _list(rule, "apiGroups"))


def resource_matches(rule: dict, combined: str, subresource: str) -> bool:
    """``ResourceMatches``: ``*``, the exact ``resource[/subresource]``, or ``*/subresource``.

    ``pods`` does not match a ``pods/log`` request; ``pods/log`` does not match ``pods``.
    """
    for r in _list(rule, "resources"):
        if r == RESOURCE_ALL or r == combined:
            return True
        if subresource and r == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: dict, name: str) -> bool:
    """``ResourceNameMatches``: a rule without ``resourceNames`` matches every name."""
    names = _list(rule, "resourceNames")
    return not names or name in names


def non_resource_url_matches(rule: dict, url: str) -> bool:
    """``NonResourceURLMatches``: ``*``, the exact URL, or a prefix ending in ``*``."""
    for u in _list(rule, "nonResourceURLs"):
        if u == NON_RESOURCE_ALL or u == url:
            return True
        if u.endswith("*") and url.startswith(u.rstrip("*")):
            return True
    return False


def rule_allows(rule: dict, verb: str, resource: str = "", subresource: str = "", name: str = "",
                api_group: str = "", path: str = "") -> bool:
    """``RuleAllows`` (rbac.go): does one PolicyRule allow this request?

    A request with a ``path`` and no ``resource`` is a *non-resource* request (``GET
    /healthz``); everything else is a resource request.
    """
    if path and not resource:
        return verb_matches(rule, verb) and non_resource_url_matches(rule, path)
    combined = f"{resource}/{subresource}" if subresource else resource
    return (verb_matches(rule, verb) and api_group_matches(rule, api_group)
            and resource_matches(rule, combined, subresource)
            and resource_name_matches(rule, name))


def rules_allow(rules: Iterable[dict], **request) -> bool:
    """``RulesAllow``: does any of ``rules`` allow the request?"""
    return any(rule_allows(r, **request) for r in rules)


# ============================================================================ subjects
# pkg/registry/rbac/validation/rule.go: appliesTo / appliesToUser

def serviceaccount_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:<namespace>:<name>`` (k8s.io/apiserver/pkg/authentication/serviceaccount)."""
    return f"{SA_PREFIX}{namespace}:{name}"


def split_serviceaccount(username: str) -> Optional[tuple[str, str]]:
    """``(namespace, name)`` of a service account username, or None for any other user."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX):].split(":")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def serviceaccount_groups(namespace: str) -> tuple[str, str]:
    """The groups every service account is in: all of them, and those of its namespace."""
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")


def applies_to_user(user: str, groups: Sequence[str], subject: dict, namespace: str) -> bool:
    """Does one binding subject (User, Group or ServiceAccount) name this user?

    A ServiceAccount subject without a namespace means the binding's own namespace. There is
    no wildcard: a User ``*`` matches only a user literally named ``*``.
    """
    kind = subject.get("kind")
    if kind == "User":
        return user == subject.get("name")
    if kind == "Group":
        return subject.get("name") in groups
    if kind == "ServiceAccount":
        sa_ns = subject.get("namespace") or namespace
        if not sa_ns:
            return False
        return user == serviceaccount_username(sa_ns, subject.get("name", ""))
    return False


def applies_to(user: str, groups: Sequence[str], subjects: Sequence[dict],
               namespace: str) -> Optional[int]:
    """The index of the first subject that names this user, or None."""
    for i, subject in enumerate(subjects or []):
        if applies_to_user(user, groups, subject, namespace):
            return i
    return None


def describe_subject(subject: dict, binding_namespace: str) -> str:
    """``User "alice"`` / ``ServiceAccount "ci/finance-prod"`` as the RBAC reason names it."""
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{subject.get("namespace") or binding_namespace}"'
    return f'{kind} "{name}"'


# ============================================================================ the resolver
def _go_aggregate(errors: Sequence[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message, or ``[a, b]`` (deduplicated)."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


class Policy:
    """The RBAC objects, indexed the way the authorizer's listers read them.

    Build one from a list of manifests (``Policy(objects)``); :func:`authorize` and
    friends accept either.  The API server keeps one per watch-cache state.
    """

    def __init__(self, objects: Iterable[dict] = ()):
        self.roles: dict[tuple[str, str], dict] = {}
        self.cluster_roles: dict[str, dict] = {}
        self.role_bindings: dict[str, list[dict]] = {}
        self.cluster_role_bindings: list[dict] = []
        for obj in objects:
            kind, meta = obj.get("kind"), obj.get("metadata") or {}
            name, ns = meta.get("name", ""), meta.get("namespace") or ""
            if kind == "Role":
                self.roles[(ns, name)] = obj
            elif kind == "ClusterRole":
                self.cluster_roles[name] = obj
            elif kind == "RoleBinding":
                self.role_bindings.setdefault(ns, []).append(obj)
            elif kind == "ClusterRoleBinding":
                self.cluster_role_bindings.append(obj)
        # Listers return objects in name order (kubesim's stable stand-in for cache order).
        self.cluster_role_bindings.sort(key=lambda b: b["metadata"]["name"])
        for bindings in self.role_bindings.values():
            bindings.sort(key=lambda b: b["metadata"]["name"])

    @staticmethod
    def of(objects: Union["Policy", Iterable[dict]]) -> "Policy":
        return objects if isinstance(objects, Policy) else Policy(objects)

    # -------------------------------------------------------------- GetRoleReferenceRules
    def role_reference_rules(self, role_ref: dict, binding_namespace: str) -> tuple[list, Optional[str]]:
        """The rules of the role a binding refers to, or the lister's NotFound error text."""
        kind, name = role_ref.get("kind"), role_ref.get("name", "")
        if kind == "Role":
            role = self.roles.get((binding_namespace, name))
            if role is None:
                return [], f'role.{GROUP_NAME} "{name}" not found'
            return list(role.get("rules") or []), None
        if kind == "ClusterRole":
            role = self.cluster_roles.get(name)
            if role is None:
                return [], f'clusterrole.{GROUP_NAME} "{name}" not found'
            return list(role.get("rules") or []), None
        return [], f'unsupported role reference kind: "{kind}"'

    # -------------------------------------------------------------- VisitRulesFor
    def visit_rules_for(self, user: str, groups: Sequence[str],
                        namespace: str) -> Iterator[tuple[str, Optional[dict], Optional[str]]]:
        """Yield ``(source, rule, error)`` for every rule granted to the user in ``namespace``.

        ClusterRoleBindings first, then (only when a namespace is given) the RoleBindings
        of that namespace — a RoleBinding never grants anything elsewhere.
        """
        for crb in self.cluster_role_bindings:
            index = applies_to(user, groups, crb.get("subjects") or [], "")
            if index is None:
                continue
            rules, err = self.role_reference_rules(crb.get("roleRef") or {}, "")
            if err:
                yield "", None, err
                continue
            ref = crb.get("roleRef") or {}
            source = (f'ClusterRoleBinding "{crb["metadata"]["name"]}" of {ref.get("kind")} '
                      f'"{ref.get("name")}" to {describe_subject(crb["subjects"][index], "")}')
            for rule in rules:
                yield source, rule, None
        if not namespace:
            return
        for rb in self.role_bindings.get(namespace, []):
            index = applies_to(user, groups, rb.get("subjects") or [], namespace)
            if index is None:
                continue
            rules, err = self.role_reference_rules(rb.get("roleRef") or {}, namespace)
            if err:
                yield "", None, err
                continue
            ref = rb.get("roleRef") or {}
            source = (f'RoleBinding "{rb["metadata"]["name"]}/{namespace}" of {ref.get("kind")} '
                      f'"{ref.get("name")}" to {describe_subject(rb["subjects"][index], namespace)}')
            for rule in rules:
                yield source, rule, None

    def rules_for(self, user: str, groups: Sequence[str], namespace: str = "") -> tuple[list, list]:
        """``RulesFor``: every rule the user holds in ``namespace``, and resolution errors."""
        rules, errors = [], []
        for _source, rule, err in self.visit_rules_for(user, groups, namespace):
            if rule is not None:
                rules.append(rule)
            if err:
                errors.append(err)
        return rules, errors


# ============================================================================ the authorizer
def authorize(objects: Union[Policy, Iterable[dict]], user: str, groups: Sequence[str] = (),
              verb: str = "get", resource: str = "", namespace: str = "", name: str = "",
              api_group: str = "", subresource: str = "", path: str = "") -> Decision:
    """The RBAC authorizer (rbac.go ``Authorize``): may ``user`` do this?

    Allowed as soon as one granted rule matches (the reason names the binding). Otherwise
    the answer is "no opinion" — which, with no other authorizer saying yes, is *forbidden*;
    the reason then lists roles that bindings refer to but that do not exist.
    """
    policy = Policy.of(objects)
    groups = tuple(groups)
    errors = []
    request = dict(verb=verb, resource=resource, subresource=subresource, name=name,
                   api_group=api_group, path=path)
    for source, rule, err in policy.visit_rules_for(user, groups, namespace):
        if rule is not None and rule_allows(rule, **request):
            return Decision(True, f"RBAC: allowed by {source}")
        if err:
            errors.append(err)
    return Decision(False, f"RBAC: {_go_aggregate(errors)}" if errors else "")


def rules_for(objects: Union[Policy, Iterable[dict]], user: str, groups: Sequence[str] = (),
              namespace: str = "") -> list[dict]:
    """Every rule granted to ``user`` in ``namespace`` (cluster-wide ones included)."""
    return Policy.of(objects).rules_for(user, tuple(groups), namespace)[0]


def allowed_subjects(objects: Union[Policy, Iterable[dict]], verb: str, resource: str = "",
                     namespace: str = "", name: str = "", api_group: str = "",
                     subresource: str = "", path: str = "", super_user: str = "") -> list[dict]:
    """Who may do this? (subject_locator.go ``AllowedSubjects``)

    ``system:masters`` always; the ``super_user`` if given; then every subject of each
    ClusterRoleBinding, then of each RoleBinding in ``namespace``, whose role allows it.
    """
    policy = Policy.of(objects)
    request = dict(verb=verb, resource=resource, subresource=subresource, name=name,
                   api_group=api_group, path=path)
    subjects = [{"kind": "Group", "apiGroup": GROUP_NAME, "name": SYSTEM_MASTERS}]
    if super_user:
        subjects.append({"kind": "User", "apiGroup": GROUP_NAME, "name": super_user})
    for crb in policy.cluster_role_bindings:
        rules, err = policy.role_reference_rules(crb.get("roleRef") or {}, "")
        if not err and rules_allow(rules, **request):
            subjects += [dict(s) for s in crb.get("subjects") or []]
    for rb in policy.role_bindings.get(namespace, []) if namespace else []:
        rules, err = policy.role_reference_rules(rb.get("roleRef") or {}, namespace)
        if not err and rules_allow(rules, **request):
            subjects += [dict(s) for s in rb.get("subjects") or []]
    return subjects


# ============================================================================ escalation
# k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go

def breakdown_rule(rule: dict) -> list[dict]:
    """``BreakdownRule``: one rule per (group, resource, verb[, name]) and per (URL, verb)."""
    out = []
    names = _list(rule, "resourceNames")
    for group in _list(rule, "apiGroups"):
        for resource in _list(rule, "resources"):
            for verb in _list(rule, "verbs"):
                if names:
                    out += [{"apiGroups": [group], "resources": [resource], "verbs": [verb],
                             "resourceNames": [n]} for n in names]
                else:
                    out.append({"apiGroups": [group], "resources": [resource], "verbs": [verb]})
    for url in _list(rule, "nonResourceURLs"):
        for verb in _list(rule, "verbs"):
            out.append({"nonResourceURLs": [url], "verbs": [verb]})
    return out


def _has_all(owner: list, wanted: list) -> bool:
    return set(wanted) <= set(owner)


def _resource_covers_all(owner: list, wanted: list) -> bool:
    if RESOURCE_ALL in owner or _has_all(owner, wanted):
        return True
    for path in wanted:
        if path in owner:
            continue
        if "/" not in path or "*/" + path.split("/", 1)[1] not in owner:
            return False
    return True


def non_resource_url_covers(owner_path: str, sub_path: str) -> bool:
    """``nonResourceURLCovers``: exact, or ``owner_path`` ends in ``*`` and is a prefix."""
    if owner_path == sub_path:
        return True
    return owner_path.endswith("*") and sub_path.startswith(owner_path.rstrip("*"))


def rule_covers(owner: dict, sub: dict) -> bool:
    """``ruleCovers``: does one owner rule cover one broken-down rule?

    A ``*`` in the owner covers anything; a ``*`` in the requested rule is only covered by
    a ``*`` (holding every verb you can list is not holding ``*``).
    """
    ov, og, orr = _list(owner, "verbs"), _list(owner, "apiGroups"), _list(owner, "resources")
    verbs = VERB_ALL in ov or _has_all(ov, _list(sub, "verbs"))
    groups = API_GROUP_ALL in og or _has_all(og, _list(sub, "apiGroups"))
    resources = _resource_covers_all(orr, _list(sub, "resources"))
    urls = all(any(non_resource_url_covers(o, p) for o in _list(owner, "nonResourceURLs"))
               for p in _list(sub, "nonResourceURLs"))
    owner_names, sub_names = _list(owner, "resourceNames"), _list(sub, "resourceNames")
    if not sub_names:
        names = not owner_names
    else:
        names = not owner_names or _has_all(owner_names, sub_names)
    return verbs and groups and resources and names and urls


def covers(owner_rules: Iterable[dict], requested_rules: Iterable[dict]) -> tuple[bool, list[dict]]:
    """``Covers``: do ``owner_rules`` allow everything ``requested_rules`` allow?

    Returns ``(ok, missing)`` where ``missing`` are the broken-down rules nobody covers —
    the check behind "you cannot grant a permission you do not have".
    """
    owner_rules = list(owner_rules)
    missing = []
    for requested in requested_rules:
        for sub in breakdown_rule(requested):
            if not any(rule_covers(o, sub) for o in owner_rules):
                missing.append(sub)
    return not missing, missing


def compact_rules(rules: Iterable[dict]) -> list[dict]:
    """``CompactRules``: merge rules on one group/resource (and ≤ 1 name) that differ only by verb."""
    compacted, simple = [], {}
    for rule in rules:
        keys = [k for k in RULE_FIELDS if rule.get(k)]
        is_simple = (len(_list(rule, "resourceNames")) <= 1 and not rule.get("nonResourceURLs")
                     and len(_list(rule, "apiGroups")) == 1 and len(_list(rule, "resources")) == 1
                     and set(keys) <= {"verbs", "apiGroups", "resources", "resourceNames"})
        if not is_simple:
            compacted.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0], tuple(_list(rule, "resourceNames")))
        if key in simple:
            simple[key]["verbs"] = _list(simple[key], "verbs") + _list(rule, "verbs")
        else:
            simple[key] = {k: list(v) for k, v in rule.items()}
    return compacted + list(simple.values())


def _go_q(values: list) -> str:
    """Go's ``%q`` of a []string: ``["get" "list"]``."""
    return "[" + " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "]"


def compact_string(rule: dict) -> str:
    """``CompactString``: how escalation errors print a rule, e.g.
    ``{APIGroups:["apps"], Resources:["deployments"], Verbs:["update"]}``."""
    parts = []
    for field, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                         ("nonResourceURLs", "NonResourceURLs"), ("resourceNames", "ResourceNames"),
                         ("verbs", "Verbs")):
        if rule.get(field):
            parts.append(f"{label}:{_go_q(rule[field])}")
    return "{" + ", ".join(parts) + "}"


def go_string(rule: dict) -> str:
    """The generated ``PolicyRule.String()`` (kubectl sorts ``can-i --list`` rows by it)."""
    fmt = lambda f: "[" + " ".join(_list(rule, f)) + "]"
    return (f"&PolicyRule{{Verbs:{fmt('verbs')},APIGroups:{fmt('apiGroups')},"
            f"Resources:{fmt('resources')},ResourceNames:{fmt('resourceNames')},"
            f"NonResourceURLs:{fmt('nonResourceURLs')},}}")


def escalation_message(user: str, groups: Sequence[str], missing: list[dict],
                       resolution_errors: Sequence[str] = ()) -> str:
    """``ConfirmNoEscalation``'s error text, listing the missing permissions compactly."""
    lines = sorted({compact_string(r) for r in compact_rules(missing)})
    msg = (f'user "{user}" (groups={_go_q(list(groups))}) is attempting to grant RBAC '
           "permissions not currently held:\n" + "\n".join(lines))
    if resolution_errors:
        msg += f"; resolution errors: [{' '.join(resolution_errors)}]"
    return msg


def confirm_no_escalation(objects: Union[Policy, Iterable[dict]], user: str, groups: Sequence[str],
                          namespace: str, rules: Iterable[dict]) -> Optional[str]:
    """None when the user already holds every rule in ``rules`` (in ``namespace``), else the
    error message Kubernetes returns."""
    owner, errors = Policy.of(objects).rules_for(user, tuple(groups), namespace)
    ok, missing = covers(owner, rules)
    return None if ok else escalation_message(user, groups, missing, errors)


# ============================================================================ aggregation
def _rule_key(rule: dict) -> tuple:
    return tuple(tuple(_list(rule, f)) for f in RULE_FIELDS)


def aggregated_rules(role: dict, cluster_roles: Iterable[dict]) -> Optional[list[dict]]:
    """The rules an aggregated ClusterRole should hold (clusterroleaggregation controller).

    For each selector of ``aggregationRule.clusterRoleSelectors``, the rules of every
    matching ClusterRole (sorted by name, itself excluded) are added once each. Returns
    None for a role without an aggregation rule.
    """
    from .api.selectors import matches
    agg = role.get("aggregationRule")
    if not agg:
        return None
    name = role["metadata"]["name"]
    roles = sorted(cluster_roles, key=lambda r: r["metadata"]["name"])
    out, seen = [], set()
    for selector in agg.get("clusterRoleSelectors") or []:
        for other in roles:
            if other["metadata"]["name"] == name:
                continue
            if not matches(selector, other["metadata"].get("labels") or {}):
                continue
            for rule in other.get("rules") or []:
                if _rule_key(rule) not in seen:
                    seen.add(_rule_key(rule))
                    out.append(rule)
    return out


def aggregate(cluster_roles: Iterable[dict]) -> dict[str, list[dict]]:
    """Aggregate every ClusterRole with an ``aggregationRule`` until nothing changes
    (``view`` feeds ``edit`` feeds ``admin``); returns ``{name: rules}`` for those roles."""
    roles = {r["metadata"]["name"]: dict(r) for r in cluster_roles}
    changed, rounds = True, 0
    while changed and rounds < 10:      # view -> edit -> admin needs 3 rounds at most
        changed, rounds = False, rounds + 1
        for name in sorted(roles):
            rules = aggregated_rules(roles[name], roles.values())
            if rules is not None and rules != (roles[name].get("rules") or []):
                roles[name] = {**roles[name], "rules": rules}
                changed = True
    return {n: r["rules"] for n, r in roles.items() if r.get("aggregationRule")}
