"""kubectl's identity and RBAC commands: who you are, what you may do, and granting it.

* :class:`KubeconfigClient` — the credentials in a kubeconfig (a client certificate's
  CN/O, or a bearer token) plus the impersonation flags ``--as`` / ``--as-group``, sent
  with every request;
* ``kubectl auth can-i VERB TYPE[/NAME] [-n NS] [--subresource=S]`` → ``yes`` / ``no``
  (a SelfSubjectAccessReview), ``kubectl auth can-i --list`` (a SelfSubjectRulesReview),
  ``kubectl auth whoami`` (a SelfSubjectReview);
* ``kubectl create role|clusterrole|rolebinding|clusterrolebinding|token …``;
* ``kubectl get --raw=/readyz?verbose`` (a non-resource GET).

Sources: k8s.io/kubectl/pkg/cmd/auth (cani.go, whoami.go), k8s.io/kubectl/pkg/cmd/create
(create_role.go, create_rolebinding.go, create_token.go), k8s.io/kubectl/pkg/util/rbac.
"""
from __future__ import annotations

from typing import Optional

from .. import rbac
from ..api.resources import lookup
from ..client import APIClient
from ..errors import ServerUnavailableError, UsageError
from .formats import tabwrite_get


class KubeconfigClient(APIClient):
    """An API client whose requests carry kubeconfig credentials and impersonation headers.

    ``user``/``groups`` are the client certificate's CN and O fields; with a ``token`` the
    request carries ``Authorization: Bearer <token>`` and no certificate.
    """

    def __init__(self, owner, user: str, groups: tuple, choose_server, token: Optional[str] = None,
                 as_user: Optional[str] = None, as_groups: tuple = ()):
        super().__init__(owner, "" if token else user, () if token else tuple(groups), choose_server)
        self.headers: dict = {}
        if token:
            self.headers["token"] = token
        if as_user:
            self.headers["impersonate-user"] = as_user
        if as_groups:
            self.headers["impersonate-group"] = list(as_groups)

    def request(self, verb, resource, namespace=None, name=None, body=None, subresource="", **options):
        if self.headers:
            options.setdefault("headers", self.headers)
        return super().request(verb, resource, namespace, name, body, subresource, **options)

    def raw(self, path: str):
        """``GET <path>`` on a non-resource URL (``/readyz?verbose``, ``/version``)."""
        self._seq += 1
        rid = self._seq
        ev = self.env.event()
        ev.defused = True
        server = self.choose_server(self.owner.name) if self.choose_server else None
        if server is None:
            ev.fail(ServerUnavailableError(
                "The connection to the server kube-apiserver:6443 was refused - "
                "did you specify the right host or port?"))
            return ev
        options = {"path": path}
        if self.headers:
            options["headers"] = self.headers
        self._pending[rid] = ev
        self.owner.send(server, {"type": "api", "id": rid, "verb": "get", "resource": None,
                                 "namespace": None, "name": None, "subresource": "", "body": None,
                                 "user": self.user, "groups": self.groups, "options": options},
                        f"GET {path}", rpc="api", request=rid, verb="get")
        self.env.timeout(10.0).callbacks.append(lambda _t: self._expire(rid))
        return ev


# ============================================================================ auth can-i
#: Create-only API resources the server also knows (the review and token APIs).
REVIEW_RESOURCES = {"selfsubjectaccessreviews": "authorization.k8s.io",
                    "selfsubjectrulesreviews": "authorization.k8s.io",
                    "subjectaccessreviews": "authorization.k8s.io",
                    "localsubjectaccessreviews": "authorization.k8s.io",
                    "selfsubjectreviews": "authentication.k8s.io",
                    "tokenreviews": "authentication.k8s.io"}


def _resource_for(arg: str) -> tuple[str, str, list[str]]:
    """``(resource, group, warnings)`` for what follows the verb (kubectl's resourceFor)."""
    if arg == "*":
        return "*", "", []
    rt = lookup(arg)
    if rt is not None:
        return rt.plural, rt.group, []
    resource, _, group = arg.lower().partition(".")
    if REVIEW_RESOURCES.get(resource) and group in ("", REVIEW_RESOURCES[resource]):
        return resource, REVIEW_RESOURCES[resource], []
    if resource in ("users", "groups") and not group:
        return resource, "", []
    where = f" in group '{group}'" if group else ""
    return resource, group, [f"Warning: the server doesn't have a resource type '{resource}'{where}"]


def can_i(ctx, words: list) -> str:
    """``kubectl auth can-i``: yes / no, or ``--list``."""
    flags = ctx.args.flags
    if flags.get("list"):
        if words:
            raise UsageError("error: list option must be specified with no arguments")
        return _can_i_list(ctx)
    if len(words) != 2:
        raise UsageError("error: you must specify two arguments: verb resource or verb "
                         "resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.")
    verb, target = words
    namespace = "" if flags.get("all_namespaces") else ctx.namespace
    warnings = []
    if target.startswith("/"):
        spec = {"nonResourceAttributes": {"path": target, "verb": verb}}
    else:
        arg, _, name = target.partition("/")
        resource, group, warnings = _resource_for(arg)
        rt = lookup(arg)
        if rt is not None and not rt.namespaced and namespace:
            where = f" in group '{group}'" if group else ""
            warnings.append(f"Warning: resource '{resource}' is not namespace scoped{where}")
        attrs = {"namespace": namespace, "verb": verb, "group": group, "resource": resource}
        if flags.get("subresource"):
            attrs["subresource"] = flags["subresource"]
        if name:
            attrs["name"] = name
        spec = {"resourceAttributes": attrs}
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec}
    status = ctx.call(ctx.client.create("selfsubjectaccessreviews", body))["status"]
    if flags.get("quiet"):
        return "\n".join(warnings)
    answer = "yes" if status.get("allowed") else "no"
    if not status.get("allowed"):
        for key in ("reason", "evaluationError"):
            if status.get(key):
                answer += f" - {status[key]}"
    return "\n".join(warnings + [answer])


def _combine_resource_group(resources: list, groups: list) -> str:
    """describe.CombineResourceGroup: ``deployments.apps``, ``pods/log``."""
    if not resources:
        return ""
    name, _, sub = resources[0].partition("/")
    if groups and groups[0]:
        name += "." + groups[0]
    return name + (f"/{sub}" if sub else "")


def _go_list(values: list) -> str:
    return "[" + " ".join(values or []) + "]"


def _can_i_list(ctx) -> str:
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": ctx.namespace}}
    status = ctx.call(ctx.client.create("selfsubjectrulesreviews", body))["status"]
    rules = [dict(r) for r in status.get("resourceRules") or []]
    rules += [dict(r) for r in status.get("nonResourceRules") or []]
    broken = [sub for r in rules for sub in rbac.breakdown_rule(r)]
    compact = sorted(rbac.compact_rules(broken), key=rbac.go_string)
    lines = [] if ctx.args.flags.get("no_headers") else ["Resources\tNon-Resource URLs\tResource Names\tVerbs"]
    for r in compact:
        lines.append(f"{_combine_resource_group(r.get('resources'), r.get('apiGroups'))}\t"
                     f"{_go_list(r.get('nonResourceURLs'))}\t{_go_list(r.get('resourceNames'))}\t"
                     f"{_go_list(r.get('verbs'))}")
    out = tabwrite_get("".join(line + "\n" for line in lines)).rstrip("\n")
    if status.get("incomplete"):
        out = f"Warning: the list may be incomplete: {status.get('evaluationError', '')}\n" + out
    return out


def whoami(ctx, words: list) -> str:
    """``kubectl auth whoami``: the user the API server sees (a SelfSubjectReview)."""
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    info = ctx.call(ctx.client.create("selfsubjectreviews", body))["status"]["userInfo"]
    rows = ["ATTRIBUTE\tVALUE", f"Username\t{info['username']}",
            f"Groups\t{_go_list(info.get('groups') or [])}"]
    return tabwrite_get("".join(r + "\n" for r in rows)).rstrip("\n")


def cmd_auth(ctx, words: list) -> str:
    """``kubectl auth can-i|whoami``."""
    sub = words[0] if words else ""
    if sub == "can-i":
        return can_i(ctx, words[1:])
    if sub == "whoami":
        return whoami(ctx, words[1:])
    raise UsageError('error: kubesim supports `kubectl auth can-i` and `kubectl auth whoami`')


# ============================================================================ get --raw
def get_raw(ctx, path: str) -> str:
    """``kubectl get --raw=<path>``: the body of a non-resource GET."""
    return str(ctx.call(ctx.client.raw(path)))


# ============================================================================ create
CREATE_KINDS = ("role", "clusterrole", "rolebinding", "clusterrolebinding", "token")
#: kubectl create role's valid verbs (create_role.go validResourceVerbs).
VALID_VERBS = ("*", "get", "delete", "list", "create", "update", "patch", "watch", "proxy",
               "deletecollection", "use", "bind", "escalate", "impersonate", "approve", "sign")


def _many(flags: dict, key: str) -> list[str]:
    """A repeatable, comma-separated flag (``--verb=get,list --verb=watch``)."""
    out = []
    for value in flags.get(key) or []:
        out += [v for v in value.split(",") if v]
    return out


def _role_rules(flags: dict) -> list[dict]:
    """``generateResourcePolicyRules``: one rule per API group, groups sorted."""
    verbs = _many(flags, "verb")
    if not verbs:
        raise UsageError("error: at least one verb must be specified")
    for v in verbs:
        if v not in VALID_VERBS:
            raise UsageError(f'error: invalid verb: "{v}"')
    resources = _many(flags, "resource")
    if not resources:
        raise UsageError("error: at least one resource must be specified")
    by_group: dict[str, list[str]] = {}
    for r in resources:
        name, _, sub = r.partition("/")
        rt = lookup(name)
        if rt is not None:
            plural, group = rt.plural, rt.group
        elif name in ("*", "users", "groups", "userextras", "uids"):   # impersonate's resources
            plural, group = name, ""
        else:
            raise UsageError(f'error: the server doesn\'t have a resource type "{name}"')
        if sub:
            plural += "/" + sub
        by_group.setdefault(group, [])
        if plural not in by_group[group]:
            by_group[group].append(plural)
    names = _many(flags, "resource_name")
    rules = []
    for group in sorted(by_group):
        rule = {"apiGroups": [group]}
        if names:
            rule["resourceNames"] = names
        rule["resources"] = by_group[group]
        rule["verbs"] = verbs
        rules.append(rule)
    return rules


def create(ctx, words: list) -> str:
    """``kubectl create role|clusterrole|rolebinding|clusterrolebinding|token NAME …``."""
    kind, rest = words[0], words[1:]
    if len(rest) != 1:
        raise UsageError(f"error: exactly one NAME is required, got {len(rest)}")
    name, flags = rest[0], ctx.args.flags
    if kind == "token":
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
        if flags.get("duration"):
            body["spec"]["expirationSeconds"] = _seconds(flags["duration"])
        reply = ctx.call(ctx.client.create("serviceaccounts", body, namespace=ctx.namespace,
                                           subresource="token", name=name))
        return reply["status"]["token"]
    rbac_api = "rbac.authorization.k8s.io/v1"
    meta = {"name": name}
    if kind in ("role", "rolebinding"):
        meta["namespace"] = ctx.namespace
    if kind in ("role", "clusterrole"):
        obj = {"apiVersion": rbac_api, "kind": "Role" if kind == "role" else "ClusterRole",
               "metadata": meta, "rules": _role_rules(flags)}
    else:
        role, cluster_role = flags.get("role"), flags.get("clusterrole")
        if bool(role) == bool(cluster_role) or (kind == "clusterrolebinding" and role):
            raise UsageError("error: exactly one of clusterrole or role must be specified"
                             if kind == "rolebinding" else "error: clusterrole must be specified")
        subjects = [{"apiGroup": rbac.GROUP_NAME, "kind": "User", "name": u} for u in _many(flags, "user")]
        subjects += [{"apiGroup": rbac.GROUP_NAME, "kind": "Group", "name": g} for g in _many(flags, "group")]
        for sa in _many(flags, "serviceaccount"):
            ns, _, sa_name = sa.partition(":")
            if not sa_name:
                raise UsageError("error: serviceaccount must be <namespace>:<name>")
            subjects.append({"kind": "ServiceAccount", "name": sa_name, "namespace": ns})
        obj = {"apiVersion": rbac_api, "kind": "RoleBinding" if kind == "rolebinding" else "ClusterRoleBinding",
               "metadata": meta,
               "roleRef": {"apiGroup": rbac.GROUP_NAME, "kind": "Role" if role else "ClusterRole",
                           "name": role or cluster_role}}
        if subjects:
            obj["subjects"] = subjects
    plural = {"role": "roles", "clusterrole": "clusterroles", "rolebinding": "rolebindings",
              "clusterrolebinding": "clusterrolebindings"}[kind]
    ctx.call(ctx.client.create(plural, obj, namespace=meta.get("namespace")))
    return f"{kind}.rbac.authorization.k8s.io/{name} created"


def _seconds(duration: str) -> int:
    """``--duration=10m`` -> 600 (Go durations with h/m/s units)."""
    total, number = 0, ""
    for ch in duration:
        if ch.isdigit():
            number += ch
        elif ch in "hms" and number:
            total += int(number) * {"h": 3600, "m": 60, "s": 1}[ch]
            number = ""
        else:
            raise UsageError(f'error: invalid argument "{duration}" for "--duration" flag')
    return total + (int(number) if number else 0)

