"""kubesim.api.selectors against k8s.io/apimachinery/pkg/labels/selector_test.go and
pkg/apis/meta/v1 (LabelSelectorAsSelector, FormatLabelSelector, ValidateLabelSelector)."""
import pytest

from kubesim.errors import UsageError
from kubesim.api.selectors import (
    Selector, is_qualified_name, is_valid_label_value, label_selector_as_selector, matches,
    parse_selector, selector_to_string, validate_label_selector,
)


# selector_test.go TestSelectorParse: good strings re-stringify to themselves (minus spaces)
@pytest.mark.parametrize("text", ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ",
                                  "!x", "x>1", "x>1,z<5"])
def test_parse_good(text):
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_parse_bad(text):
    with pytest.raises(UsageError):
        parse_selector(text)


def test_deterministic_parse():
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a")) == "a=x,x=a"


# TestSelectorMatches
@pytest.mark.parametrize("text,labels,expected", [
    ("", {"x": "y"}, True), ("x=y", {"x": "y"}, True), ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True), ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True), ("!x", {"y": "z"}, True), ("x>1", {"x": "2"}, True), ("x<1", {"x": "0"}, True),
    ("x=z", {}, False), ("x=y", {"x": "z"}, False), ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False), ("x", {"y": "z"}, False), ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False), ("x<1", {"x": "2"}, False),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    # the course's own spellings
    ("app=web", {"app": "web"}, True), ("app==web", {"app": "web"}, True), ("app!=web", {"app": "api"}, True),
    ("tier in (a,b)", {"tier": "b"}, True), ("tier notin (a)", {"tier": "a"}, False),
    ("tier notin (a)", {}, True), ("app,!canary", {"app": "x"}, True), ("app,!canary", {"app": "x", "canary": ""}, False),
])
def test_matches(text, labels, expected):
    assert parse_selector(text).matches(labels) is expected


# TestSetSelectorParser (selected rows) and TestToString
@pytest.mark.parametrize("text,canonical", [
    ("\rx", "x"),
    ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     "this-is-another-dns.domain.com/key-with-dash in (so,what)"),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
    ("foo  in\t (abc)", "foo in (abc)"), ("x notin\n (abc)", "x notin (abc)"),
    ("x in (abc,def)", "x in (abc,def)"), ("x in (def,abc)", "x in (abc,def)"),
    ("x in (abc,)", "x in (,abc)"), ("x in ()", "x in ()"),
    ("x,y in (a)", "x,y in (a)"),
    ("x=abc,y==jkl,z!=a", "x=abc,y==jkl,z!=a"), ("x>2,y<8,z", "x>2,y<8,z"),
])
def test_parse_and_string(text, canonical):
    assert str(parse_selector(text)) == canonical


@pytest.mark.parametrize("text,message", [
    ("app=web,", "error: found '', expected: identifier after ','"),
    ("app=web tier=x", "error: found 'tier', expected: ',' or 'end of string'"),
    ("tier in a", "error: unable to parse requirement: found 'a' expected: '('"),
    ("tier in (a", "error: unable to parse requirement: found '', expected: ',' or ')'"),
    ("x<a", "error: unable to parse requirement: values[0]: Invalid value: \"a\": "
            "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("=web", "error: found '=', expected: !, identifier, or 'end of string'"),
    ("app=web=x", "error: found '=', expected: ',' or 'end of string'"),
    ("app===web", "error: unable to parse requirement: found '=', expected: identifier"),
    ("app=we b@d", "error: found 'b@d', expected: ',' or 'end of string'"),
    ("app=b@d", "error: unable to parse requirement: values[0][app]: Invalid value: \"b@d\": a valid label "
                "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("-app", "error: unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of "
             "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
             "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
])
def test_parse_errors(text, message):
    with pytest.raises(UsageError) as e:
        parse_selector(text)
    assert str(e.value) == message


# TestLexer: special characters and the longest token
def test_lexer_edge_cases():
    assert str(parse_selector("x in (),y")) == "x in (),y"
    with pytest.raises(UsageError, match="expected: identifier after ','"):
        parse_selector("x=a,,y=b")


# metav1.LabelSelectorAsSelector: nil -> Nothing, {} -> Everything
def test_label_selector_nil_and_empty():
    assert matches(None, {"app": "web"}) is False
    assert matches({}, {"app": "web"}) is True
    assert matches({"matchLabels": {}}, {}) is True
    assert label_selector_as_selector(None).empty() is False
    assert label_selector_as_selector({}).empty() is True


@pytest.mark.parametrize("sel,labels,expected", [
    ({"matchLabels": {"app": "web"}}, {"app": "web", "pod-template-hash": "abc"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "api"}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}, {"tier": "a"}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, {}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"tier": ""}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": ""}, False),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]},
     {"app": "web", "tier": "b"}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}, {"tier": "2"}, False),  # invalid
])
def test_label_selector_matches(sel, labels, expected):
    assert matches(sel, labels) is expected


def test_selector_to_string():
    assert selector_to_string({"matchLabels": {"app": "web"},
                               "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}) \
        == "app=web,tier in (a,b)"
    assert selector_to_string({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert selector_to_string({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"},
                                                    {"key": "y", "operator": "Exists"}]}) == "!x,y"
    assert selector_to_string({}) == "<none>"
    assert selector_to_string(None) == "<none>"
    assert selector_to_string({"matchExpressions": [{"key": "x", "operator": "Bogus"}]}) == "<error>"


def test_validate_label_selector_messages():
    errs = validate_label_selector({
        "matchLabels": {"app": "bad value"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": []},
            {"key": "tier", "operator": "Exists", "values": ["a"]},
            {"key": "tier", "operator": "Gt", "values": ["1"]},
            {"key": "-bad", "operator": "Exists"},
        ]}, "spec.selector")
    text = [str(e) for e in errs]
    assert text[0].startswith('spec.selector.matchLabels: Invalid value: "bad value": a valid label must be')
    assert text[1] == ("spec.selector.matchExpressions[0].values: Required value: "
                       "must be specified when `operator` is 'In' or 'NotIn'")
    assert text[2] == ("spec.selector.matchExpressions[1].values: Forbidden: "
                       "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
    assert text[3] == 'spec.selector.matchExpressions[2].operator: Invalid value: "Gt": not a valid selector operator'
    assert text[4].startswith('spec.selector.matchExpressions[3].key: Invalid value: "-bad": name part must consist')
    assert validate_label_selector({"matchLabels": {"app": "web"}}, "spec.selector") == []
    assert validate_label_selector(None, "spec.selector") == []


def test_name_syntax():
    assert is_qualified_name("app") == [] and is_qualified_name("example.com/tier") == []
    assert is_qualified_name("a/b/c")[0].startswith("a qualified name must consist of")
    assert is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert is_qualified_name("x" * 64) == ["name part must be no more than 63 characters"]
    assert is_valid_label_value("") == [] and is_valid_label_value("v1.2_x") == []
    assert is_valid_label_value("x" * 64)[0] == "must be no more than 63 characters"


def test_selector_nothing():
    assert Selector.nothing().matches({}) is False
    assert Selector().matches({}) is True


# ----------------------------------------------------------------------------- properties
from hypothesis import given, strategies as st  # noqa: E402

_names = st.from_regex(r"\A[a-z][a-z0-9]{0,5}\Z")
_requirement = st.one_of(
    st.tuples(_names, st.sampled_from(["=", "==", "!="]), _names).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.tuples(_names, st.sampled_from(["in", "notin"]), st.lists(_names, min_size=1, max_size=3))
      .map(lambda t: f"{t[0]} {t[1]} ({','.join(t[2])})"),
    _names, _names.map(lambda n: "!" + n),
)


@given(st.lists(_requirement, max_size=4), st.dictionaries(_names, _names, max_size=4))
def test_string_form_round_trips(reqs, labels):
    sel = parse_selector(",".join(reqs))
    again = parse_selector(str(sel))
    assert str(again) == str(sel)
    assert again.matches(labels) == sel.matches(labels)


@given(st.dictionaries(_names, _names, max_size=4), st.dictionaries(_names, _names, max_size=4))
def test_match_labels_is_a_subset_test(match_labels, labels):
    expected = all(labels.get(k) == v for k, v in match_labels.items())
    assert matches({"matchLabels": match_labels}, labels) == expected
    if match_labels:
        assert parse_selector(selector_to_string({"matchLabels": match_labels})).matches(labels) == expected
