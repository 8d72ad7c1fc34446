#!/usr/bin/env python3
"""Build kubesim/api/schemas/k8s-v1.33.json: the OpenAPI-derived JSON schemas kubesim decodes with.

Source: the v1.33 *strict* schemas shipped by the ``kubernetes-validate`` package
(kubernetes-json-schema/v1.33.0-local-strict/: one file per kind plus _definitions.json),
which are generated from the Kubernetes OpenAPI spec with ``additionalProperties: false``.

Only the kinds kubesim serves (kubesim.api.resources.RESOURCE_TYPES) and the definitions
they reach are kept; descriptions and vendor extensions are dropped; the output is
compact, key-sorted JSON so that rebuilding gives byte-identical bytes.

Usage:  python tools/build_schema_bundle.py [--check]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _resource_types():
    """RESOURCE_TYPES, loaded from kubesim/api/resources.py alone (not the whole package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_kubesim_resources", ROOT / "kubesim" / "api" / "resources.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses looks the module up while building
    spec.loader.exec_module(module)
    return module.RESOURCE_TYPES

K8S_VERSION = "v1.33.0"
OUTPUT = ROOT / "kubesim" / "api" / "schemas" / "k8s-v1.33.json"
EXTERNAL_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"
# Schema keywords worth keeping; everything else (description, x-kubernetes-patch-*,
# list-map keys, defaults, CEL validations …) does not affect strict decoding.
KEEP = {"type", "properties", "additionalProperties", "items", "$ref", "required", "enum",
        "format", "oneOf", "allOf", "anyOf", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-int-or-string"}


def schema_dir() -> Path:
    """Where kubernetes-validate keeps the v1.33 strict schemas (ImportError if not installed)."""
    import kubernetes_validate

    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"{K8S_VERSION}-local-strict"


def kind_file(rt) -> str:
    """``deployment-apps-v1.json``, ``pod-v1.json``, ``role-rbac-v1.json`` …"""
    group = rt.group.split(".")[0]
    return f"{rt.kind.lower()}-{group}-{rt.version}.json" if group else f"{rt.kind.lower()}-{rt.version}.json"


def clean(node):
    """Drop unneeded keywords (but never a *field* called e.g. ``description``)."""
    if isinstance(node, list):
        return [clean(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key == "$ref":
            out[key] = value.replace(EXTERNAL_REF, LOCAL_REF)
        else:
            out[key] = clean(value)
    return out


def refs(node, found: set) -> set:
    """All definition names referenced from node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(LOCAL_REF):
                found.add(value[len(LOCAL_REF):])
            else:
                refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)
    return found


def build(source: Path) -> bytes:
    """The bundle's bytes, built from a kubernetes-validate strict schema directory."""
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    kinds = {}
    for rt in _resource_types():
        schema = clean(json.loads((source / kind_file(rt)).read_text()))
        kinds[f"{rt.api_version}/{rt.kind}"] = schema
    keep: set = set()
    todo = list(refs(kinds, set()))
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo.extend(refs(clean(definitions[name]), set()) - keep)
    bundle = {
        "kubernetesVersion": K8S_VERSION,
        "source": f"kubernetes-validate {K8S_VERSION}-local-strict",
        "kinds": kinds,
        "$defs": {name: clean(definitions[name]) for name in sorted(keep)},
    }
    return json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the bundle is out of date")
    args = parser.parse_args(argv)
    data = build(schema_dir())
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_bytes() == data
        print("up to date" if same else f"{OUTPUT} is out of date")
        return 0 if same else 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(data):,} bytes, {len(json.loads(data)['$defs'])} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
