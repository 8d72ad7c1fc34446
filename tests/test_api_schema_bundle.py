"""The committed OpenAPI schema bundle (kubesim/api/schemas/k8s-v1.33.json) is reproducible
from kubernetes-validate's v1.33 strict schemas and covers every kind kubesim serves."""
import importlib.util
import json
from pathlib import Path

import pytest

from kubesim.api.resources import RESOURCE_TYPES
from kubesim.api.validation import SCHEMA_FILE, schema_bundle

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("build_schema_bundle", ROOT / "tools" / "build_schema_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_gives_identical_bytes():
    pytest.importorskip("kubernetes_validate",
                        reason="kubernetes-validate is not installed (only needed to rebuild the schema bundle)")
    builder = _builder()
    assert builder.build(builder.schema_dir()) == SCHEMA_FILE.read_bytes(), \
        "run: python tools/build_schema_bundle.py"


def test_every_served_kind_is_in_the_bundle():
    kinds = schema_bundle()["kinds"]
    assert sorted(kinds) == sorted(f"{rt.api_version}/{rt.kind}" for rt in RESOURCE_TYPES)
    for key, schema in kinds.items():
        assert schema["additionalProperties"] is False, key       # strict schemas
        assert "metadata" in schema["properties"], key


def test_bundle_is_small_and_self_contained():
    data = SCHEMA_FILE.read_bytes()
    assert len(data) < 1_000_000
    bundle = json.loads(data)
    assert bundle["kubernetesVersion"] == "v1.33.0"
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    refs.add(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(bundle)
    assert refs and all(r.startswith("#/$defs/") and r[len("#/$defs/"):] in bundle["$defs"] for r in refs)
    assert '"description"' not in data.decode().replace('"description":{', "")   # only PriorityClass's field


def test_bundle_validates_with_jsonschema():
    jsonschema = pytest.importorskip("jsonschema")
    bundle = schema_bundle()
    schema = dict(bundle["kinds"]["apps/v1/Deployment"], **{"$defs": bundle["$defs"]})
    validator = jsonschema.Draft202012Validator(schema)
    good = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "nginx",
                                                           "resources": {"limits": {"cpu": "1"}}}]}}}}
    assert list(validator.iter_errors(good)) == []
    good["spec"]["replica"] = 3
    assert any("replica" in e.message for e in validator.iter_errors(good))
