"""What ``kubectl apply -f`` reads: files, directories, YAML or JSON text.

Mirrors kubectl's resource builder (k8s.io/cli-runtime/pkg/resource: visitor.go,
mapper.go) and k8s.io/apimachinery/pkg/util/yaml (the ``---`` document splitter):

* a YAML stream is cut at ``---`` lines and every document is converted to JSON on its
  own (sigs.k8s.io/yaml over go-yaml), so an error's ``line N`` counts from the start of
  *that document*, exactly as kubectl v1.33 reports it;
* empty documents are skipped; ``kind: List`` documents are flattened into their items;
* :func:`resolve` then checks ``apiVersion``/``kind`` and maps them to a served type.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Union

import yaml

from kubesim.errors import NoKindMatchError, ParseError, UsageError
from kubesim.api.resources import ResourceType, for_manifest

EXTENSIONS = (".json", ".yaml", ".yml")     # visitor.go FileExtensions
STDIN = "STDIN"
STOP_VALIDATE = "if you choose to ignore these errors, turn validation off with --validate=false"


@dataclass
class Document:
    """One object from a manifest: the parsed ``obj``, the file it came from (``source``,
    ``"STDIN"`` for text) and its 0-based position among that source's objects."""

    obj: Any
    source: str
    index: int


# --------------------------------------------------------------------------- YAML like go-yaml
_RESOLVERS = [   # go-yaml v2 resolve.go: YAML 1.1 scalars, minus timestamps and 1:20 sexagesimals
    ("tag:yaml.org,2002:bool", r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
                               r"|on|On|ON|off|Off|OFF)$", "yYnNtTfFoO"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]


def _bool(loader, node):   # go-yaml's y/n are booleans too; SafeConstructor only knows yes/no
    return node.value.lower() in ("y", "yes", "true", "on")


def make_loader(base=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A PyYAML loader that reads scalars as go-yaml v2 does.  The default base is the
    libyaml-backed CSafeLoader: go-yaml is a port of libyaml, so the error messages match."""
    loader = type("GoYAMLLoader", (base,), {"yaml_implicit_resolvers": {}})
    for tag, regexp, first in _RESOLVERS:
        loader.add_implicit_resolver(tag, re.compile(regexp), list(first))
    loader.add_constructor("tag:yaml.org,2002:bool", _bool)
    return loader


_GoYAMLLoader = make_loader()

# PyYAML's pure-Python parser words a few problems differently from libyaml/go-yaml.
_PY_TO_GO = [
    ("mapping values are not allowed here", "mapping values are not allowed in this context"),
    ("that cannot start any token", "found character that cannot start any token"),
    ("expected alphabetic or numeric character", "did not find expected alphabetic or numeric character"),
    ("expected the node content", "did not find expected node content"),
]
_PY_CONTEXT_TO_GO = {
    "while parsing a block mapping": "did not find expected key",
    "while parsing a block collection": "did not find expected '-' indicator",
    "while parsing a flow sequence": "did not find expected ',' or ']'",
    "while parsing a flow mapping": "did not find expected ',' or '}'",
}


def _go_yaml_error(err: yaml.YAMLError, text: str) -> str:
    """The text of go-yaml's error for a PyYAML error (yaml.go ``parser.fail``)."""
    problem = getattr(err, "problem", None) or "unknown problem parsing YAML content"
    if isinstance(err, yaml.composer.ComposerError) and "undefined alias" in problem:
        return f"yaml: unknown anchor '{_alias_name(err, text)}' referenced"   # decode.go, no line
    mark = getattr(err, "problem_mark", None)
    if isinstance(mark, yaml.error.Mark) and mark.buffer is not None:
        # the pure-Python parser (PyYAML without libyaml) words a few problems differently
        context = getattr(err, "context", None) or ""
        if problem.startswith("expected <block end>") or problem.startswith("expected ','"):
            problem = _PY_CONTEXT_TO_GO.get(context, problem)
        for py, go in _PY_TO_GO:
            if py in problem:
                problem = go
    pm, cm = getattr(err, "problem_mark", None), getattr(err, "context_mark", None)
    line = 0
    if pm is not None and pm.line != 0:
        # "Scanner errors don't iterate line before returning error"
        line = pm.line + (1 if isinstance(err, yaml.scanner.ScannerError) else 0)
    elif cm is not None and cm.line != 0:
        line = cm.line
    where = f"line {line}: " if line else ""
    return f"yaml: {where}{problem}"


def _alias_name(err, text: str) -> str:
    mark = getattr(err, "problem_mark", None)
    if mark is None:
        return ""
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    m = re.match(r"\*([^\s,\[\]{}]+)", line[mark.column:])
    return m.group(1) if m else ""


def _json_keys(node: Any) -> Any:
    """YAML map keys become JSON strings, as sigs.k8s.io/yaml converts them."""
    if isinstance(node, dict):
        return {_key(k): _json_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_json_keys(v) for v in node]
    return node


def _key(k: Any) -> str:
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    return str(k)


def split_documents(text: str) -> list[str]:
    """util/yaml.YAMLReader: cut a stream at ``---`` lines (the separator line goes with
    the following document only when it opens the stream)."""
    docs, buffer = [], []
    for line in filter(None, re.split(r"(?<=\n)", text)):   # LineReader: lines end at "\n"
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise ValueError(f"invalid Yaml document separator: {rest}")
            if buffer:
                docs.append("".join(buffer))
                buffer = []
                continue
        buffer.append(line)
    if buffer:
        docs.append("".join(buffer))
    return docs


def _parse_text(text: str, source: str, loader=None) -> Iterator[Any]:
    """Every non-empty document in ``text``, in order (raises ParseError at the first bad one)."""
    if text.lstrip().startswith("{"):                 # GuessJSONStream: a JSON stream
        decoder, pos = json.JSONDecoder(), 0
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text):
                return
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as e:
                raise ParseError(f"error: error parsing {source}: json: offset {e.pos}: {e.msg}") from None
            yield obj
    try:
        chunks = split_documents(text)
    except ValueError as e:
        raise ParseError(f"error: error parsing {source}: {e}") from None
    for chunk in chunks:
        try:
            obj = yaml.load(chunk, Loader=loader or _GoYAMLLoader)
        except yaml.YAMLError as e:
            raise ParseError(f"error: error parsing {source}: error converting YAML to JSON: "
                             f"{_go_yaml_error(e, chunk)}") from None
        if obj is None:
            continue                                  # empty document: skipped
        yield _json_keys(obj)


def _flatten(obj: Any) -> list:
    """FlattenListVisitor: a ``kind: *List`` object stands for its items."""
    if isinstance(obj, dict) and isinstance(obj.get("kind"), str) and obj["kind"].endswith("List") \
            and isinstance(obj.get("items"), list):
        return [item for sub in obj["items"] for item in _flatten(sub)]
    return [obj]


# --------------------------------------------------------------------------- sources
def _looks_like_path(text: str) -> bool:
    return "\n" not in text and (Path(text).exists() or text.lower().endswith(EXTENSIONS))


def _files(path: Path) -> list[Path]:
    if path.is_dir():   # ExpandPathsToFileVisitors, not recursive (no -R)
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
    return [path]


def iter_load(source: Union[str, Path, dict, list], *, filename: str = None) -> Iterator[Document]:
    """Like :func:`load`, one document at a time: kubectl applies the documents before a
    broken one, and this generator only raises when it reaches it."""
    if isinstance(source, dict):
        source = [source]
    if isinstance(source, list):
        name = filename or STDIN
        for i, obj in enumerate(o for item in source for o in _flatten(item)):
            yield Document(obj, name, i)
        return
    if isinstance(source, Path) or _looks_like_path(source):
        path = Path(source)
        if not path.exists():
            raise UsageError(f'error: the path "{source}" does not exist')
        for file in _files(path):
            name = str(file) if path.is_dir() else str(source)
            index = 0
            for obj in _parse_text(file.read_text(), name):
                for item in _flatten(obj):
                    yield Document(item, name, index)
                    index += 1
        return
    name, index = filename or STDIN, 0
    for obj in _parse_text(source, name):
        for item in _flatten(obj):
            yield Document(item, name, index)
            index += 1


def load(source: Union[str, Path, dict, list], *, filename: str = None) -> list[Document]:
    """Read manifests the way ``kubectl apply -f`` does.

    ``source`` is YAML/JSON text (``---``-separated documents, a JSON object stream,
    ``kind: List``), a path to a file or a directory (its ``*.yaml``, ``*.yml`` and
    ``*.json`` files, sorted), a dict, or a list of dicts.  ``filename`` names text input
    in messages (default ``STDIN``).  Raises :class:`ParseError` with kubectl's text.
    """
    return list(iter_load(source, filename=filename))


def resolve(doc: Document) -> ResourceType:
    """The served type of a document, or kubectl's error for it.

    Missing ``apiVersion``/``kind`` fail client-side validation; an unknown pair fails
    the REST mapping (``no matches for kind "X" in version "v"``).
    """
    obj = doc.obj
    problems = []
    if not isinstance(obj, dict):
        problems.append("invalid object to validate")
    else:
        for field in ("apiVersion", "kind"):   # schema.go getObjectKind
            if obj.get(field) is None:
                problems.append(f"{field} not set")
            elif not isinstance(obj[field], str):
                problems.append(f"{field} isn't string type")
    if problems:
        detail = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise ParseError(f'error: error validating "{doc.source}": error validating data: {detail}; {STOP_VALIDATE}')
    rt = for_manifest(obj["apiVersion"], obj["kind"])
    if rt is None:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        raise NoKindMatchError(
            f'error: resource mapping not found for name: "{meta.get("name") or ""}" '
            f'namespace: "{meta.get("namespace") or ""}" from "{doc.source}": '
            f'no matches for kind "{obj["kind"]}" in version "{obj["apiVersion"]}"\n'
            "ensure CRDs are installed first")
    return rt
