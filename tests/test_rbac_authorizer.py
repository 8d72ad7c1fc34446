"""kubesim.rbac decides as Kubernetes' RBAC authorizer does.

Every case here is ported from the Kubernetes project's own tests (v1.33), named after the
Go test and case it comes from:

* plugin/pkg/auth/authorizer/rbac/rbac_test.go — ``TestAuthorizer``, ``TestRuleMatches``;
* pkg/registry/rbac/validation/rule_test.go — ``TestDefaultRuleResolver``, ``TestAppliesTo``;
* plugin/pkg/auth/authorizer/rbac/subject_locator_test.go — ``TestSubjectLocator``.

The Go helpers are mirrored: ``new_rule("get", "", "", "/apis")`` splits on commas like
``strings.Split`` (so ``""`` becomes ``[""]``), bindings name subjects ``"User:alice"``.
"""
from __future__ import annotations

import pytest

from kubesim import rbac


# ----------------------------------------------------------------------------- helpers
def new_rule(verbs: str, groups: str, resources: str, urls: str) -> dict:
    """rbac_test.go newRule: comma-separated fields, strings.Split semantics."""
    return {"verbs": verbs.split(","), "apiGroups": groups.split(","),
            "resources": resources.split(","), "nonResourceURLs": urls.split(",")}


def new_role(name: str, namespace: str, *rules) -> dict:
    return {"kind": "Role", "metadata": {"name": name, "namespace": namespace}, "rules": list(rules)}


def new_cluster_role(name: str, *rules) -> dict:
    return {"kind": "ClusterRole", "metadata": {"name": name}, "rules": list(rules)}


def _subjects(subjects) -> list[dict]:
    out = []
    for s in subjects:
        kind, name = s.split(":", 1)
        out.append({"kind": kind, "name": name,
                    **({"apiGroup": rbac.GROUP_NAME} if kind in ("User", "Group") else {})})
    return out


def new_cluster_role_binding(role: str, *subjects, name: str = "") -> dict:
    return {"kind": "ClusterRoleBinding", "metadata": {"name": name or f"crb-{role}"},
            "roleRef": {"apiGroup": rbac.GROUP_NAME, "kind": "ClusterRole", "name": role},
            "subjects": _subjects(subjects)}


def new_role_binding(namespace: str, role: str, to_cluster_role: bool, *subjects, name: str = "") -> dict:
    return {"kind": "RoleBinding", "metadata": {"name": name or f"rb-{role}", "namespace": namespace},
            "roleRef": {"apiGroup": rbac.GROUP_NAME,
                        "kind": "ClusterRole" if to_cluster_role else "Role", "name": role},
            "subjects": _subjects(subjects)}


def attrs(user, groups, verb, resource, subresource, namespace, api_group):
    """rbac_test.go defaultAttributes{user, groups, verb, resource, subresource, ns, group}."""
    return dict(user=user, groups=tuple(groups.split(",")), verb=verb, resource=resource,
                subresource=subresource, namespace=namespace, api_group=api_group)


def nonresource(verb, path, name="", groups=()):
    return dict(user=name, groups=tuple(groups), verb=verb, path=path)


# ----------------------------------------------------------------------------- TestAuthorizer
AUTHORIZER_CASES = [
    (  # case 0: a RoleBinding to a ClusterRole grants only in its namespace
        [new_cluster_role("admin", new_rule("*", "*", "*", "*")),
         new_role_binding("ns1", "admin", True, "User:admin", "Group:admins")],
        [attrs("admin", "", "get", "Pods", "", "ns1", ""),
         attrs("admin", "", "watch", "Pods", "", "ns1", ""),
         attrs("admin", "group1", "watch", "Foobar", "", "ns1", ""),
         attrs("joe", "admins", "watch", "Foobar", "", "ns1", ""),
         attrs("joe", "group1,admins", "watch", "Foobar", "", "ns1", "")],
        [attrs("admin", "", "GET", "Pods", "", "ns2", ""),
         attrs("admin", "", "GET", "Nodes", "", "", ""),
         attrs("admin", "admins", "GET", "Pods", "", "ns2", ""),
         attrs("admin", "admins", "GET", "Nodes", "", "", "")],
    ),
    (  # case 1: non-resource URLs, exact and with a trailing *
        [new_cluster_role("non-resource-url-getter", new_rule("get", "", "", "/apis")),
         new_cluster_role("non-resource-url", new_rule("*", "", "", "/apis")),
         new_cluster_role("non-resource-url-prefix", new_rule("get", "", "", "/apis/*")),
         new_cluster_role_binding("non-resource-url-getter", "User:foo", "Group:bar"),
         new_cluster_role_binding("non-resource-url", "User:admin", "Group:admin"),
         new_cluster_role_binding("non-resource-url-prefix", "User:prefixed", "Group:prefixed")],
        [nonresource("get", "/apis", name="foo"), nonresource("get", "/apis", groups=["bar"]),
         nonresource("get", "/apis", name="admin"), nonresource("get", "/apis", groups=["admin"]),
         nonresource("watch", "/apis", name="admin"), nonresource("watch", "/apis", groups=["admin"]),
         nonresource("get", "/apis/v1", name="prefixed"),
         nonresource("get", "/apis/v1", groups=["prefixed"]),
         nonresource("get", "/apis/v1/foobar", name="prefixed"),
         nonresource("get", "/apis/v1/foorbar", groups=["prefixed"])],
        [nonresource("watch", "/apis", name="foo"), nonresource("watch", "/apis", groups=["bar"]),
         nonresource("get", "/api/v1", name="foo"), nonresource("get", "/api/v1", groups=["bar"]),
         nonresource("get", "/api/v1", name="admin"), nonresource("get", "/api/v1", groups=["admin"]),
         nonresource("get", "/api/v1", name="prefixed"),
         nonresource("get", "/api/v1", groups=["prefixed"])],
    ),
    (  # case 2: "pods" does not cover the pods/status subresource
        [new_cluster_role("admin", new_rule("*", "*", "pods", "*")),
         new_role_binding("ns1", "admin", True, "User:admin", "Group:admins")],
        [attrs("admin", "", "get", "pods", "", "ns1", "")],
        [attrs("admin", "", "get", "pods", "status", "ns1", "")],
    ),
    (  # case 3: "pods/status" does not cover pods
        [new_cluster_role("admin", new_rule("*", "*", "pods/status", "*")),
         new_role_binding("ns1", "admin", True, "User:admin", "Group:admins")],
        [attrs("admin", "", "get", "pods", "status", "ns1", "")],
        [attrs("admin", "", "get", "pods", "", "ns1", "")],
    ),
]


@pytest.mark.parametrize("case", range(len(AUTHORIZER_CASES)))
def test_authorizer_cases_from_rbac_test_go(case):
    objects, should_pass, should_fail = AUTHORIZER_CASES[case]
    for request in should_pass:
        assert rbac.authorize(objects, **request).allowed, f"case {case}: incorrectly restricted {request}"
    for request in should_fail:
        assert not rbac.authorize(objects, **request).allowed, f"case {case}: incorrectly passed {request}"


# ----------------------------------------------------------------------------- TestRuleMatches
def res(verb, group, resource, subresource=""):
    return dict(verb=verb, api_group=group, resource=resource, subresource=subresource)


def url(verb, path):
    return dict(verb=verb, path=path)


R = lambda verbs, groups=None, resources=None, urls=None: {
    k: v for k, v in (("verbs", verbs), ("apiGroups", groups), ("resources", resources),
                      ("nonResourceURLs", urls)) if v is not None}

RULE_MATCH_CASES = {
    "star verb, exact match other": (R(["*"], ["group1"], ["resource1"]), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): False,
        ("verb1", "group1", "resource2"): False, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): True, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    "star group, exact match other": (R(["verb1"], ["*"], ["resource1"]), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): True,
        ("verb1", "group1", "resource2"): False, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): False, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    "star resource, exact match other": (R(["verb1"], ["group1"], ["*"]), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): False,
        ("verb1", "group1", "resource2"): True, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): False, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    "tuple expansion": (R(["verb1", "verb2"], ["group1", "group2"], ["resource1", "resource2"]), {
        (v, g, r): True for v in ("verb1", "verb2") for g in ("group1", "group2")
        for r in ("resource1", "resource2")}),
    "subresource expansion": (R(["*"], ["*"], ["resource1/subresource1"]), {
        ("verb1", "group1", "resource1", "subresource1"): True,
        ("verb1", "group2", "resource1", "subresource2"): False,
        ("verb1", "group1", "resource2", "subresource1"): False,
        ("verb1", "group2", "resource2", "subresource1"): False,
        ("verb2", "group1", "resource1", "subresource1"): True,
        ("verb2", "group2", "resource1", "subresource2"): False,
        ("verb2", "group1", "resource2", "subresource1"): False,
        ("verb2", "group2", "resource2", "subresource1"): False}),
    "star nonresource, exact match other": (R(["verb1"], urls=["*"]), {
        ("verb1", "/foo"): True, ("verb1", "/foo/bar"): True, ("verb1", "/foo/baz"): True,
        ("verb1", "/foo/bar/one"): True, ("verb1", "/foo/baz/one"): True,
        ("verb2", "/foo"): False, ("verb2", "/foo/bar"): False, ("verb2", "/foo/baz"): False,
        ("verb2", "/foo/bar/one"): False, ("verb2", "/foo/baz/one"): False}),
    "star nonresource subpath": (R(["verb1"], urls=["/foo/*"]), {
        ("verb1", "/foo"): False, ("verb1", "/foo/bar"): True, ("verb1", "/foo/baz"): True,
        ("verb1", "/foo/bar/one"): True, ("verb1", "/foo/baz/one"): True,
        ("verb1", "/notfoo"): False, ("verb1", "/notfoo/bar"): False,
        ("verb1", "/notfoo/baz"): False, ("verb1", "/notfoo/bar/one"): False,
        ("verb1", "/notfoo/baz/one"): False}),
    "star verb, exact nonresource": (R(["*"], urls=["/foo", "/foo/bar/one"]), {
        ("verb1", "/foo"): True, ("verb1", "/foo/bar"): False, ("verb1", "/foo/baz"): False,
        ("verb1", "/foo/bar/one"): True, ("verb1", "/foo/baz/one"): False,
        ("verb2", "/foo"): True, ("verb2", "/foo/bar"): False, ("verb2", "/foo/baz"): False,
        ("verb2", "/foo/bar/one"): True, ("verb2", "/foo/baz/one"): False}),
}


@pytest.mark.parametrize("name", list(RULE_MATCH_CASES))
def test_rule_matches_cases_from_rbac_test_go(name):
    rule, expectations = RULE_MATCH_CASES[name]
    for request, expected in expectations.items():
        kw = url(*request) if request[1].startswith("/") else res(*request)
        assert rbac.rule_allows(rule, **kw) is expected, f"{name}: {request}"


def test_star_slash_subresource_matches_every_resource_with_that_subresource():
    # evaluation_helpers.go ResourceMatches: "*/scale" (the HPA and disruption controllers' rule)
    rule = {"verbs": ["get"], "apiGroups": ["*"], "resources": ["*/scale"]}
    assert rbac.rule_allows(rule, verb="get", resource="deployments", subresource="scale", api_group="apps")
    assert not rbac.rule_allows(rule, verb="get", resource="deployments", api_group="apps")
    assert not rbac.rule_allows(rule, verb="get", resource="deployments", subresource="status")


def test_resource_names_restrict_the_rule_to_those_objects():
    rule = {"verbs": ["get", "update"], "apiGroups": [""], "resources": ["configmaps"],
            "resourceNames": ["app-config"]}
    assert rbac.rule_allows(rule, verb="get", resource="configmaps", name="app-config")
    assert not rbac.rule_allows(rule, verb="get", resource="configmaps", name="other")
    assert not rbac.rule_allows(rule, verb="list", resource="configmaps")   # list has no name


# ----------------------------------------------------------------------------- rule_test.go
READ_PODS = {"verbs": ["GET", "WATCH"], "apiGroups": ["v1"], "resources": ["pods"]}
READ_SERVICES = {"verbs": ["GET", "WATCH"], "apiGroups": ["v1"], "resources": ["services"]}
WRITE_NODES = {"verbs": ["PUT", "CREATE", "UPDATE"], "apiGroups": ["v1"], "resources": ["nodes"]}
ADMIN = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
STATIC_ROLES_1 = [
    {"kind": "Role", "metadata": {"namespace": "namespace1", "name": "readthings"},
     "rules": [READ_PODS, READ_SERVICES]},
    {"kind": "ClusterRole", "metadata": {"name": "cluster-admin"}, "rules": [ADMIN]},
    {"kind": "ClusterRole", "metadata": {"name": "write-nodes"}, "rules": [WRITE_NODES]},
    {"kind": "RoleBinding", "metadata": {"namespace": "namespace1", "name": "rb"},
     "subjects": [{"kind": "User", "name": "foobar"}, {"kind": "Group", "name": "group1"}],
     "roleRef": {"apiGroup": rbac.GROUP_NAME, "kind": "Role", "name": "readthings"}},
    {"kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
     "subjects": [{"kind": "User", "name": "admin"}, {"kind": "Group", "name": "admin"}],
     "roleRef": {"apiGroup": rbac.GROUP_NAME, "kind": "ClusterRole", "name": "cluster-admin"}},
]


@pytest.mark.parametrize("user, groups, namespace, effective", [
    ("foobar", (), "namespace1", [READ_PODS, READ_SERVICES]),
    ("foobar", (), "namespace2", []),
    ("foobar", ("admin",), "", [ADMIN]),          # no namespace: only cluster rules apply
    ("", (), "", []),
])
def test_default_rule_resolver_from_rule_test_go(user, groups, namespace, effective):
    rules = rbac.rules_for(STATIC_ROLES_1, user, groups, namespace)
    key = lambda r: repr(sorted(r.items()))
    assert sorted(rules, key=key) == sorted(effective, key=key)


@pytest.mark.parametrize("subjects, user, groups, namespace, applies, case", [
    ([{"kind": "User", "name": "foobar"}], "foobar", (), "", True,
     "single subject that matches username"),
    ([{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], "foobar", (), "", True,
     "multiple subjects, one that matches username"),
    ([{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], "zimzam", (), "", False,
     "multiple subjects, none that match username"),
    ([{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}], "zimzam", ("foobar",), "",
     True, "multiple subjects, one that match group"),
    ([{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}], "zimzam", ("foobar",),
     "namespace1", True, "multiple subjects, one that match group, should ignore namespace"),
    ([{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"},
      {"kind": "ServiceAccount", "namespace": "kube-system", "name": "default"}],
     "system:serviceaccount:kube-system:default", (), "default", True,
     "multiple subjects with a service account that matches"),
    ([{"kind": "User", "name": "*"}], "foobar", (), "default", False,
     "* user subject name doesn't match all users"),
    ([{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     "foobar", ("system:authenticated",), "default", True,
     "binding to all authenticated and unauthenticated subjects matches authenticated user"),
    ([{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     "system:anonymous", ("system:unauthenticated",), "default", True,
     "binding to all authenticated and unauthenticated subjects matches anonymous user"),
])
def test_applies_to_from_rule_test_go(subjects, user, groups, namespace, applies, case):
    assert (rbac.applies_to(user, groups, subjects, namespace) is not None) is applies, case


def test_serviceaccount_subject_without_namespace_means_the_bindings_namespace():
    subject = {"kind": "ServiceAccount", "name": "ci"}
    assert rbac.applies_to_user("system:serviceaccount:finance-prod:ci", (), subject, "finance-prod")
    assert not rbac.applies_to_user("system:serviceaccount:other:ci", (), subject, "finance-prod")
    assert not rbac.applies_to_user("system:serviceaccount:finance-prod:ci", (), subject, "")


# ----------------------------------------------------------------------------- subject locator
def _subject_names(subjects):
    return [(s["kind"], s["name"]) for s in subjects]


def test_subject_locator_no_super_user_star_matches_star():
    # subject_locator_test.go TestSubjectLocator "no super user, star matches star"
    objects = [new_cluster_role("admin", new_rule("*", "*", "*", "*")),
               new_cluster_role_binding("admin", "User:super-admin", "Group:super-admins"),
               new_role_binding("ns1", "admin", True, "User:admin", "Group:admins")]
    assert _subject_names(rbac.allowed_subjects(objects, "get", "Pods", "ns1")) == [
        ("Group", "system:masters"), ("User", "super-admin"), ("Group", "super-admins"),
        ("User", "admin"), ("Group", "admins")]
    assert _subject_names(rbac.allowed_subjects(objects, "*", "Pods", "*")) == [
        ("Group", "system:masters"), ("User", "super-admin"), ("Group", "super-admins")]
    assert _subject_names(rbac.allowed_subjects(objects, "*", "Pods", "")) == [
        ("Group", "system:masters"), ("User", "super-admin"), ("Group", "super-admins")]


def test_subject_locator_super_user_local_roles_work():
    # subject_locator_test.go TestSubjectLocator "super user, local roles work"
    objects = [new_cluster_role("admin", new_rule("*", "*", "*", "*")),
               new_cluster_role_binding("admin", "User:super-admin", "Group:super-admins"),
               new_role("admin", "ns1", new_rule("get", "*", "Pods", "*")),
               new_role_binding("ns1", "admin", False, "User:admin", "Group:admins")]
    head = [("Group", "system:masters"), ("User", "foo"), ("User", "super-admin"),
            ("Group", "super-admins")]
    assert _subject_names(rbac.allowed_subjects(objects, "get", "Pods", "ns1", super_user="foo")) == \
        head + [("User", "admin"), ("Group", "admins")]
    assert _subject_names(rbac.allowed_subjects(objects, "create", "Pods", "ns1", super_user="foo")) == head
    assert _subject_names(rbac.allowed_subjects(objects, "get", "Pods", "ns2", super_user="foo")) == head


# ----------------------------------------------------------------------------- kubesim's API
def test_the_issue_entry_point_and_reasons():
    objects = [new_role("readonly", "finance-prod",
                        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}),
               new_role_binding("finance-prod", "readonly", False, "Group:dev", name="dev-read")]
    d = rbac.authorize(objects, user="alice", groups=("dev",), verb="list", resource="pods",
                       namespace="finance-prod", name="", api_group="", subresource="", path="")
    assert d.allowed and d.reason == ('RBAC: allowed by RoleBinding "dev-read/finance-prod" of Role '
                                      '"readonly" to Group "dev"')
    denied = rbac.authorize(objects, user="alice", groups=("dev",), verb="delete", resource="pods",
                            namespace="finance-prod")
    assert not denied and denied.reason == ""


def test_a_binding_to_a_missing_role_is_reported_in_the_reason():
    objects = [new_role_binding("ns1", "ghost", False, "User:alice", name="b")]
    d = rbac.authorize(objects, "alice", (), "get", "pods", "ns1")
    assert not d.allowed
    assert d.reason == 'RBAC: role.rbac.authorization.k8s.io "ghost" not found'


def test_aggregation_collects_labelled_cluster_roles():
    view = {"kind": "ClusterRole", "metadata": {"name": "view"},
            "aggregationRule": {"clusterRoleSelectors": [
                {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]}}
    extra = {"kind": "ClusterRole", "metadata": {"name": "crontab-reader", "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}},
        "rules": [{"apiGroups": ["stable.example.com"], "resources": ["crontabs"], "verbs": ["get"]}]}
    other = {"kind": "ClusterRole", "metadata": {"name": "unrelated"}, "rules": [ADMIN]}
    assert rbac.aggregate([view, extra, other]) == {"view": extra["rules"]}
