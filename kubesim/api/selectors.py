"""Label selectors: how a Deployment finds its Pods and ``kubectl get -l`` filters.

Two spellings of the same idea:

* in manifests, a ``metav1.LabelSelector``: ``{matchLabels: {app: web},
  matchExpressions: [{key: tier, operator: In, values: [a, b]}]}``;
* on the command line, the string form ``app=web,tier in (a,b)``.

Sources (k8s.io/apimachinery): pkg/labels/selector.go (parser, matching, String()),
pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector, FormatLabelSelector),
pkg/apis/meta/v1/validation/validation.go (ValidateLabelSelector),
pkg/util/validation/validation.go (IsQualifiedName, IsValidLabelValue).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from kubesim.errors import FieldError, UsageError

# --------------------------------------------------------------------------- name syntax
# k8s.io/apimachinery/pkg/util/validation/validation.go
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERR = ("must consist of alphanumeric characters, '-', '_' or '.', "
                      "and must start and end with an alphanumeric character")
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERR = ("a valid label must be an empty string or consist of alphanumeric characters, "
                   "'-', '_' or '.', and must start and end with an alphanumeric character")
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                         "characters, '-' or '.', and must start and end with an alphanumeric character")

_QUALIFIED_NAME_RE = re.compile("^" + QUALIFIED_NAME_FMT + "$")
_LABEL_VALUE_RE = re.compile("^" + LABEL_VALUE_FMT + "$")
_DNS1123_SUBDOMAIN_RE = re.compile("^" + DNS1123_SUBDOMAIN_FMT + "$")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError: the message plus examples and the regex."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def is_dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain: error strings (empty when valid), e.g. for ``metadata.name``."""
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """IsQualifiedName: label keys such as ``app`` or ``example.com/tier``."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QUALIFIED_NAME_RE.match(name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT,
                                               "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """IsValidLabelValue: up to 63 characters, may be empty."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def validate_labels(labels: Optional[dict], path: str) -> list[FieldError]:
    """metav1validation.ValidateLabels: errors are reported at ``path`` itself (no key)."""
    errs = []
    for key, value in sorted((labels or {}).items()):
        errs += [FieldError("Invalid value", path, key, m) for m in is_qualified_name(key)]
        errs += [FieldError("Invalid value", path, value, m) for m in is_valid_label_value(str(value))]
    return errs


# --------------------------------------------------------------------------- requirements
OPERATORS = ("in", "notin", "=", "==", "!=", ">", "<", "exists", "!")   # selection.Operator


@dataclass(frozen=True)
class Requirement:
    """One ``key op values`` term (labels.Requirement); operators as in selection.Operator:
    ``in notin = == != > <``, ``exists`` and ``!`` (does not exist)."""

    key: str
    operator: str
    values: tuple = ()

    def matches(self, labels: dict) -> bool:
        has = self.key in labels
        if self.operator in ("in", "=", "=="):
            return has and labels[self.key] in self.values
        if self.operator in ("notin", "!="):
            return not has or labels[self.key] not in self.values
        if self.operator == "exists":
            return has
        if self.operator == "!":
            return not has
        if self.operator in (">", "<") and has and len(self.values) == 1:
            try:
                have, want = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return have > want if self.operator == ">" else have < want
        return False

    def __str__(self) -> str:
        if self.operator == "!":
            return "!" + self.key
        if self.operator == "exists":
            return self.key
        values = ",".join(sorted(self.values)) if len(self.values) > 1 else "".join(self.values)
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({values})"
        return f"{self.key}{self.operator}{values}"


def _new_requirement(key: str, op: str, values: list, path: str = "") -> Requirement:
    """labels.NewRequirement: validate, or raise ValueError with the aggregated errors."""
    p = (path + ".") if path else ""
    errs: list[FieldError] = []
    errs += [FieldError("Invalid value", p + "key", key, m) for m in is_qualified_name(key)]
    vpath = p + "values"
    if op in ("in", "notin"):
        if not values:
            errs.append(FieldError("Invalid value", vpath, _GoStrings(values),
                                   "for 'in', 'notin' operators, values set can't be empty"))
    elif op in ("=", "==", "!="):
        if len(values) != 1:
            errs.append(FieldError("Invalid value", vpath, _GoStrings(values),
                                   "exact-match compatibility requires one single value"))
    elif op in ("exists", "!"):
        if values:
            errs.append(FieldError("Invalid value", vpath, _GoStrings(values),
                                   "values set must be empty for exists and does not exist"))
    elif op in (">", "<"):
        if len(values) != 1:
            errs.append(FieldError("Invalid value", vpath, _GoStrings(values),
                                   "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(values):
            if not re.fullmatch(r"[+-]?[0-9]+", v):
                errs.append(FieldError("Invalid value", f"{vpath}[{i}]", v,
                                       "for 'Gt', 'Lt' operators, the value must be an integer"))
    for i, v in enumerate(values):
        errs += [FieldError("Invalid value", f"{vpath}[{i}][{key}]", v, m) for m in is_valid_label_value(v)]
    if errs:
        raise ValueError(_aggregate(errs))
    return Requirement(key, op, tuple(values))


class _GoStrings(list):
    """A []string as field errors print it (``[]string{"a", "b"}``)."""

    def __str__(self) -> str:
        return "[]string{" + ", ".join('"' + v + '"' for v in self) + "}"


def _aggregate(errs: list) -> str:
    """utilerrors.Aggregate.Error(): one message, or ``[a, b]`` for several (deduplicated)."""
    msgs = list(dict.fromkeys(str(e) for e in errs))
    return msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"


class Selector:
    """A parsed selector: all requirements must match (labels.internalSelector).

    ``Selector.nothing()`` matches no labels (a nil LabelSelector); an empty selector
    matches everything.  ``str()`` is the canonical string form, requirements sorted by key.
    """

    def __init__(self, requirements=(), *, nothing: bool = False):
        self.requirements = tuple(sorted(requirements, key=lambda r: r.key))
        self._nothing = nothing

    @classmethod
    def nothing(cls) -> "Selector":
        return cls(nothing=True)

    def empty(self) -> bool:
        """True when the selector does not restrict anything (Everything)."""
        return not self._nothing and not self.requirements

    def matches(self, labels: Optional[dict]) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})"


# --------------------------------------------------------------------------- LabelSelector
def label_selector_as_selector(sel: Optional[dict]) -> Selector:
    """metav1.LabelSelectorAsSelector: nil -> Nothing, ``{}`` -> Everything.

    Raises ValueError (Go's error text) for an invalid selector.
    """
    if sel is None:
        return Selector.nothing()
    match_labels = sel.get("matchLabels") or {}
    exprs = sel.get("matchExpressions") or []
    if not match_labels and not exprs:
        return Selector()
    reqs = [_new_requirement(k, "=", [v]) for k, v in match_labels.items()]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in exprs:
        op = expr.get("operator")
        if op not in ops:
            raise ValueError(f'"{op}" is not a valid label selector operator')
        reqs.append(_new_requirement(expr.get("key", ""), ops[op], list(expr.get("values") or [])))
    return Selector(reqs)


def matches(selector: Optional[dict], labels: Optional[dict]) -> bool:
    """Does a LabelSelector select these labels?  ``None`` selects nothing, ``{}`` everything.

    An invalid selector selects nothing (controllers skip objects they cannot parse).
    """
    try:
        return label_selector_as_selector(selector).matches(labels or {})
    except ValueError:
        return False


def selector_to_string(sel: Optional[dict]) -> str:
    """metav1.FormatLabelSelector, as ``kubectl get -o wide`` prints SELECTOR:
    ``app=web,tier in (a,b)``; ``<none>`` when empty or nil, ``<error>`` when invalid."""
    try:
        text = str(label_selector_as_selector(sel))
    except ValueError:
        return "<error>"
    return text or "<none>"


def validate_label_selector(sel: Optional[dict], path: str) -> list[FieldError]:
    """metav1validation.ValidateLabelSelector (invalid label values not allowed)."""
    if sel is None:
        return []
    errs = validate_labels(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator", ""), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(FieldError("Required value", f"{p}.values",
                                       detail="must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(FieldError("Forbidden", f"{p}.values",
                                       detail="may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(FieldError("Invalid value", f"{p}.operator", op, "not a valid selector operator"))
        errs += [FieldError("Invalid value", f"{p}.key", expr.get("key", ""), m)
                 for m in is_qualified_name(expr.get("key", ""))]
        for j, v in enumerate(values):
            errs += [FieldError("Invalid value", f"{p}.values[{j}]", v, m) for m in is_valid_label_value(v)]
    return errs


# --------------------------------------------------------------------------- string form
_SPECIAL = "=!(),><"
_KEYWORDS = {")": "RPAREN", ",": "COMMA", "!": "NOT", "==": "==", "=": "=", ">": ">",
             "in": "in", "<": "<", "!=": "!=", "notin": "notin", "(": "LPAREN"}


def _lex(text: str) -> list[tuple[str, str]]:
    """labels.Lexer: [(token, literal)], ending with ("END", "")."""
    items, pos = [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            items.append(("END", ""))
            return items
        if text[pos] in _SPECIAL:
            buf, last = "", None
            while pos < len(text) and text[pos] in _SPECIAL:
                buf += text[pos]
                if buf in _KEYWORDS:
                    last, pos = (_KEYWORDS[buf], buf), pos + 1
                elif last is not None:
                    break
                else:
                    pos += 1
            items.append(last or ("ERROR", f"error expected: keyword found '{buf}'"))
        else:
            start = pos
            while pos < len(text) and text[pos] not in _SPECIAL and text[pos] not in " \t\r\n":
                pos += 1
            word = text[start:pos]
            items.append((_KEYWORDS.get(word, "ID"), word))


class _Parser:
    """labels.Parser: a recursive-descent parser over the scanned tokens."""

    def __init__(self, text: str):
        self.items, self.pos = _lex(text), 0

    def _peek(self, values: bool = True):
        tok, lit = self.items[self.pos]
        return ("ID" if values and tok in ("in", "notin") else tok), lit

    def _next(self, values: bool = True):
        item = self._peek(values)
        self.pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs = []
        while True:
            tok, lit = self._peek()
            if tok in ("ID", "NOT"):
                try:
                    reqs.append(self._requirement())
                except ValueError as e:
                    raise ValueError(f"unable to parse requirement: {e}") from None
                tok, lit = self._next()
                if tok == "END":
                    return reqs
                if tok == "COMMA":
                    tok2, lit2 = self._peek()
                    if tok2 not in ("ID", "NOT"):
                        raise ValueError(f"found '{lit2}', expected: identifier after ','")
                else:
                    raise ValueError(f"found '{lit}', expected: ',' or 'end of string'")
            elif tok == "END":
                return reqs
            else:
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def _requirement(self) -> Requirement:
        op = None
        tok, key = self._next()
        if tok == "NOT":
            op = "!"
            tok, key = self._next()
        if tok != "ID":
            raise ValueError(f"found '{key}', expected: identifier")
        errs = is_qualified_name(key)
        if errs:   # parseKeyAndInferOperator validates with a nil field path
            raise ValueError(str(FieldError("Invalid value", "<nil>", key, "; ".join(errs))))
        if self._peek()[0] in ("END", "COMMA"):
            return _new_requirement(key, op or "exists", [])
        if op == "!":
            return _new_requirement(key, op, [])
        tok, lit = self._next(values=False)
        if tok not in ("in", "notin", "=", "==", "!=", ">", "<"):
            raise ValueError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        values = self._set_values() if tok in ("in", "notin") else self._exact_value()
        return _new_requirement(key, tok, sorted(values))

    def _set_values(self) -> set:
        tok, lit = self._next()
        if tok != "LPAREN":
            raise ValueError(f"found '{lit}' expected: '('")
        tok, lit = self._peek()
        if tok in ("ID", "COMMA"):
            values = self._identifiers()
            if self._next()[0] != "RPAREN":
                raise ValueError(f"found '{lit}', expected: ')'")
            return values
        if tok == "RPAREN":
            self._next()
            return {""}
        raise ValueError(f"found '{lit}', expected: ',', ')' or identifier")

    def _identifiers(self) -> set:
        values: set = set()
        while True:
            tok, lit = self._next()
            if tok == "ID":
                values.add(lit)
                tok2, lit2 = self._peek()
                if tok2 == "COMMA":
                    continue
                if tok2 == "RPAREN":
                    return values
                raise ValueError(f"found '{lit2}', expected: ',' or ')'")
            if tok == "COMMA":
                if not values:
                    values.add("")
                tok2, _ = self._peek()
                if tok2 == "RPAREN":
                    values.add("")
                    return values
                if tok2 == "COMMA":
                    self._next()
                    values.add("")
            else:
                raise ValueError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set:
        tok, _ = self._peek()
        if tok in ("END", "COMMA"):
            return {""}
        tok, lit = self._next()
        if tok == "ID":
            return {lit}
        raise ValueError(f"found '{lit}', expected: identifier")


def parse_selector(text: str) -> Selector:
    """Parse a ``kubectl -l`` selector (labels.Parse): ``app=web``, ``app==web``,
    ``app!=web``, ``tier in (a,b)``, ``tier notin (a)``, ``app``, ``!app``, comma-joined.

    Raises :class:`UsageError` with the parser's message, e.g.
    ``error: unable to parse requirement: found '', expected: identifier``.
    """
    try:
        return Selector(_Parser(text).parse())
    except ValueError as e:
        raise UsageError(f"error: {e}") from None
