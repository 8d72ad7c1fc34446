"""kubesim.api.manifests: reading what ``kubectl apply -f`` reads, failing as kubectl fails.

The YAML error texts were checked against sigs.k8s.io/yaml + go-yaml v2 (the libraries
kubectl uses): same message, same ``line N``.
"""
import json
from pathlib import Path

import pytest
import yaml

from kubesim.errors import NoKindMatchError, ParseError, UsageError
from kubesim.api.manifests import Document, _parse_text, iter_load, load, make_loader, resolve, split_documents

SEED = Path(__file__).parent / "data" / "seed"

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n"


def test_multi_document_text():
    docs = load(POD + "---\n" + POD.replace("name: web\nspec", "name: api\nspec") + "---\n# only a comment\n---\n")
    assert [d.obj["metadata"]["name"] for d in docs] == ["web", "api"]
    assert [(d.source, d.index) for d in docs] == [("STDIN", 0), ("STDIN", 1)]


def test_leading_separator_and_trailing_comment_on_separator():
    docs = load("---\n" + POD + "--- # next\n" + POD)
    assert len(docs) == 2


def test_bad_separator():
    with pytest.raises(ParseError) as e:
        load(POD + "---kind: Pod\n")
    assert str(e.value) == "error: error parsing STDIN: invalid Yaml document separator: kind: Pod"


def test_json_object_stream_and_lists():
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    docs = load(json.dumps(obj) + "\n" + json.dumps(obj), filename="ns.json")
    assert len(docs) == 2 and docs[0].source == "ns.json"
    lst = {"apiVersion": "v1", "kind": "List", "items": [obj, dict(obj, metadata={"name": "b"})]}
    assert [d.obj["metadata"]["name"] for d in load(json.dumps(lst))] == ["a", "b"]
    yaml_list = "apiVersion: v1\nkind: List\nitems:\n- " + json.dumps(obj)
    assert [d.index for d in load(yaml_list)] == [0]
    assert [d.obj["metadata"]["name"] for d in load([obj, lst])] == ["a", "a", "b"]
    assert load(obj)[0] == Document(obj, "STDIN", 0)


def test_files_and_directories(tmp_path):
    docs = load(SEED / "deployment.yaml")
    assert docs[0].source == str(SEED / "deployment.yaml") and docs[0].obj["kind"] == "Deployment"
    (tmp_path / "b.yaml").write_text(POD)
    (tmp_path / "a.yml").write_text(POD.replace("name: web\nspec", "name: first\nspec"))
    (tmp_path / "c.json").write_text(json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}))
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.yaml").write_text(POD)
    docs = load(tmp_path)
    assert [Path(d.source).name for d in docs] == ["a.yml", "b.yaml", "c.json"]
    assert load(str(tmp_path / "b.yaml"))[0].source == str(tmp_path / "b.yaml")
    with pytest.raises(UsageError) as e:
        load("missing.yaml")
    assert str(e.value) == 'error: the path "missing.yaml" does not exist'


def test_seed_directory_loads():
    kinds = [d.obj.get("kind") for d in load(SEED)]
    assert kinds.count("Deployment") == 2 and {"Namespace", "Service", "Role"} <= set(kinds)


@pytest.mark.parametrize("text,message", [
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web image: nginx\n",
     "yaml: line 7: mapping values are not allowed in this context"),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: {}\n", "yaml: line 4: did not find expected key"),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n", "yaml: line 4: found character that cannot start any token"),
    ("a:\n  b: 1\n\tc: 2\n", "yaml: line 3: found a tab character that violates indentation"),
    ("a:\n  - x\n  y: 2\n", "yaml: line 2: did not find expected '-' indicator"),
    ('a: "foo\nb: 2\n', "yaml: line 3: found unexpected end of stream"),
    ("a: [1, 2\nb: 3\n", "yaml: line 1: did not find expected ',' or ']'"),
    ("apiVersion: v1\nkind Pod\nmetadata:\n  name: x\n", "yaml: line 3: could not find expected ':'"),
    ("a: *foo\n", "yaml: unknown anchor 'foo' referenced"),
    ("a: @foo\n", "yaml: found character that cannot start any token"),
    ("name: web: app\n", "yaml: mapping values are not allowed in this context"),
])
def test_yaml_errors_match_kubectl(text, message):
    with pytest.raises(ParseError) as e:
        load(text, filename="web.yaml")
    assert str(e.value) == f"error: error parsing web.yaml: error converting YAML to JSON: {message}"
    if "tab character" in message:
        return   # the only message the pure-Python fallback words differently
    # PyYAML without libyaml (pure-Python parser): translated to the same text
    with pytest.raises(ParseError) as e:
        list(_parse_text(text, "web.yaml", make_loader(yaml.SafeLoader)))
    assert str(e.value) == f"error: error parsing web.yaml: error converting YAML to JSON: {message}"


def test_yaml_error_lines_count_from_the_document_start():
    # kubectl v1.33 parses every document on its own: line numbers restart after "---".
    with pytest.raises(ParseError, match="yaml: line 2: mapping values"):
        load(POD + "---\nkind: Pod\nmetadata: name: x\n")


def test_iter_load_yields_the_documents_before_a_broken_one():
    it = iter_load(POD + "---\nkind: [\n")
    assert next(it).obj["kind"] == "Pod"
    with pytest.raises(ParseError):
        next(it)


def test_scalars_are_read_like_go_yaml():
    obj = load("a: 2025-01-01T00:00:00Z\nb: 1e3\nc: y\nd: 1:20\ne: 0755\nf: 08\ng: ~\nh: 1_000\n5: x\n")[0].obj
    assert obj == {"a": "2025-01-01T00:00:00Z", "b": 1000.0, "c": True, "d": "1:20", "e": 493, "f": 8.0,
                   "g": None, "h": 1000, "5": "x"}


def test_resolve():
    rt = resolve(load(SEED / "deployment.yaml")[0])
    assert (rt.kind, rt.group) == ("Deployment", "apps")
    assert resolve(load(SEED / "role.yaml")[0]).plural == "roles"


@pytest.mark.parametrize("obj,detail", [
    ({"metadata": {"name": "x"}}, "[apiVersion not set, kind not set]"),
    ({"apiVersion": "v1"}, "kind not set"),
    ({"kind": "Pod"}, "apiVersion not set"),
    ({"apiVersion": 1, "kind": "Pod"}, "apiVersion isn't string type"),
    ("just a string", "invalid object to validate"),
])
def test_resolve_validation_errors(obj, detail):
    with pytest.raises(ParseError) as e:
        resolve(Document(obj, "web.yaml", 0))
    assert str(e.value) == (f'error: error validating "web.yaml": error validating data: {detail}; '
                            "if you choose to ignore these errors, turn validation off with --validate=false")


def test_resolve_no_kind_match():
    doc = Document({"apiVersion": "apps/v1", "kind": "Deploymnt", "metadata": {"name": "web-app"}}, "web.yaml", 0)
    with pytest.raises(NoKindMatchError) as e:
        resolve(doc)
    assert str(e.value) == ('error: resource mapping not found for name: "web-app" namespace: "" from "web.yaml": '
                            'no matches for kind "Deploymnt" in version "apps/v1"\nensure CRDs are installed first')
    doc = Document({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "prod"}}, "d.yaml", 0)
    with pytest.raises(NoKindMatchError, match='namespace: "prod" from "d.yaml": no matches for kind "Deployment" '
                                               'in version "v1"'):
        resolve(doc)


def test_split_documents():
    assert split_documents("a: 1\n---\nb: 2\n") == ["a: 1\n", "b: 2\n"]
    assert split_documents("---\na: 1\n") == ["---\na: 1\n"]
    assert split_documents("") == []
