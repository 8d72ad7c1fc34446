"""kubesim.rbac.covers — the rule comparison behind escalation prevention — as Kubernetes'.

Cases ported from staging/src/k8s.io/component-helpers/auth/rbac/validation/
policy_comparator_test.go (v1.33); each test keeps the Go test's name.
"""
from __future__ import annotations

import pytest

from kubesim import rbac


def R(groups=None, verbs=None, resources=None, names=None, urls=None) -> dict:
    out = {}
    for key, value in (("apiGroups", groups), ("verbs", verbs), ("resources", resources),
                       ("resourceNames", names), ("nonResourceURLs", urls)):
        if value is not None:
            out[key] = value
    return out


def _norm(rules):
    return sorted(repr(sorted((k, v) for k, v in r.items() if v)) for r in rules)


CASES = {
    "TestCoversExactMatch": (
        [R(["v1"], ["get"], ["builds"])], [R(["v1"], ["get"], ["builds"])], True, []),
    "TestCoversSubresourceWildcard": (
        [R(["v1"], ["get"], ["*/scale"])], [R(["v1"], ["get"], ["foo/scale"])], True, []),
    "TestCoversMultipleRulesCoveringSingleRule": (
        [R(["v1"], ["delete"], ["deployments"]), R(["v1"], ["delete"], ["builds"]),
         R(["v1"], ["update"], ["builds", "deployments"])],
        [R(["v1"], ["delete", "update"], ["builds", "deployments"])], True, []),
    "TestCoversMultipleAPIGroupsCoveringSingleRule": (
        [R([g], ["delete"], ["deployments"]) for g in ("group1", "group2")]
        + [R([g], ["delete"], ["builds"]) for g in ("group1", "group2")]
        + [R([g], ["update"], ["builds", "deployments"]) for g in ("group1", "group2")],
        [R(["group1", "group2"], ["delete", "update"], ["builds", "deployments"])], True, []),
    "TestCoversSingleAPIGroupsCoveringMultiple": (
        [R(["group1", "group2"], ["delete", "update"], ["builds", "deployments"])],
        [R(["group1"], ["delete"], ["deployments"]), R(["group1"], ["delete"], ["builds"]),
         R(["group1"], ["update"], ["builds", "deployments"]),
         R(["group2"], ["delete"], ["deployments"]), R(["group2"], ["delete"], ["builds"]),
         R(["group2"], ["update"], ["builds", "deployments"])], True, []),
    "TestCoversMultipleRulesMissingSingleVerbResourceCombination": (
        [R(["v1"], ["delete", "update"], ["builds", "deployments"]), R(["v1"], ["delete"], ["pods"])],
        [R(["v1"], ["delete", "update"], ["builds", "deployments", "pods"])],
        False, [R(["v1"], ["update"], ["pods"])]),
    "TestCoversAPIGroupStarCoveringMultiple": (
        [R(["*"], ["get"], ["roles"])], [R(["group1", "group2"], ["get"], ["roles"])], True, []),
    "TestCoversEnumerationNotCoveringAPIGroupStar": (
        [R(["dummy-group"], ["get"], ["roles"])], [R(["*"], ["get"], ["roles"])],
        False, [R(["*"], ["get"], ["roles"])]),
    "TestCoversAPIGroupStarCoveringStar": (
        [R(["*"], ["get"], ["roles"])], [R(["*"], ["get"], ["roles"])], True, []),
    "TestCoversVerbStarCoveringMultiple": (
        [R(["v1"], ["*"], ["roles"])], [R(["v1"], ["watch", "list"], ["roles"])], True, []),
    "TestCoversEnumerationNotCoveringVerbStar": (
        [R(["v1"], ["get", "list", "watch", "create", "update", "delete", "exec"], ["roles"])],
        [R(["v1"], ["*"], ["roles"])], False, [R(["v1"], ["*"], ["roles"])]),
    "TestCoversVerbStarCoveringStar": (
        [R(["v1"], ["*"], ["roles"])], [R(["v1"], ["*"], ["roles"])], True, []),
    "TestCoversResourceStarCoveringMultiple": (
        [R(["v1"], ["get"], ["*"])], [R(["v1"], ["get"], ["resourcegroup:deployments"])], True, []),
    "TestCoversEnumerationNotCoveringResourceStar": (
        [R(["v1"], ["get"], ["roles", "resourcegroup:deployments"])], [R(["v1"], ["get"], ["*"])],
        False, [R(["v1"], ["get"], ["*"])]),
    "TestCoversResourceStarCoveringStar": (
        [R(["v1"], ["get"], ["*"])], [R(["v1"], ["get"], ["*"])], True, []),
    "TestCoversResourceNameEmptyCoveringMultiple": (
        [R(["v1"], ["get"], ["pods"], [])], [R(["v1"], ["get"], ["pods"], ["foo", "bar"])], True, []),
    "TestCoversEnumerationNotCoveringResourceNameEmpty": (
        [R(["v1"], ["get"], ["pods"], ["foo", "bar"])], [R(["v1"], ["get"], ["pods"], [])],
        False, [R(["v1"], ["get"], ["pods"])]),
    "TestCoversNonResourceURLs": (
        [R(verbs=["*"], urls=["/apis"])], [R(verbs=["*"], urls=["/apis"])], True, []),
    "TestCoversNonResourceURLsStar": (
        [R(verbs=["*"], urls=["*"])], [R(verbs=["*"], urls=["/apis", "/apis/v1", "/"])], True, []),
    "TestCoversNonResourceURLsStarAfterPrefixDoesntCover": (
        [R(verbs=["*"], urls=["/apis/*"])], [R(verbs=["get"], urls=["/apis", "/apis/v1"])],
        False, [R(verbs=["get"], urls=["/apis"])]),
    "TestCoversNonResourceURLsStarAfterPrefix": (
        [R(verbs=["*"], urls=["/apis/*"])], [R(verbs=["get"], urls=["/apis/v1/foo", "/apis/v1"])],
        True, []),
    "TestCoversNonResourceURLsWithOtherFields": (
        [R(["v1"], ["get"], ["builds"], urls=["/apis"])], [R(["v1"], ["get"], ["builds"], urls=["/apis"])],
        True, []),
    "TestCoversNonResourceURLsWithOtherFieldsFailure": (
        [R(["v1"], ["get"], ["builds"])], [R(["v1"], ["get"], ["builds"], urls=["/apis"])],
        False, [R(verbs=["get"], urls=["/apis"])]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_covers_cases_from_policy_comparator_test_go(name):
    owner, servant, covered, uncovered = CASES[name]
    ok, missing = rbac.covers(owner, servant)
    assert ok is covered
    assert _norm(missing) == _norm(uncovered)


@pytest.mark.parametrize("owner, requested, want", [
    # TestNonResourceURLCovers
    ("*", "", True), ("*", "/", True), ("*", "/api", True), ("/*", "", False), ("/*", "/", True),
    ("/*", "/foo", True), ("/api", "/api", True), ("/apis", "/api", False), ("/api/v1", "/api", False),
    ("/api/v1", "/api/v1", True), ("/api/*", "/api/v1", True), ("/api/*", "/api", False),
    ("/api/*/*", "/api/v1", False), ("/*/v1/*", "/api/v1", False),
])
def test_non_resource_url_covers(owner, requested, want):
    assert rbac.non_resource_url_covers(owner, requested) is want


def test_compact_string_and_escalation_message_read_like_kubernetes():
    missing = [R([""], ["list"], ["pods"]), R([""], ["watch"], ["pods"]), R(["apps"], ["get"], ["deployments"])]
    assert rbac.compact_string(rbac.compact_rules(missing)[0]) in (
        '{APIGroups:[""], Resources:["pods"], Verbs:["list" "watch"]}',
        '{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}')
    msg = rbac.escalation_message("bob", ["dev", "system:authenticated"], missing)
    assert msg == ('user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC '
                   'permissions not currently held:\n'
                   '{APIGroups:[""], Resources:["pods"], Verbs:["list" "watch"]}\n'
                   '{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}')
