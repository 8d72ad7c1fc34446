"""Small formatting helpers that kubectl's output is built from.

Everything here mirrors one Go function, named in the comment above it:

* :func:`human_duration` / :func:`short_human_duration` -- the ``AGE`` column
  (k8s.io/apimachinery/pkg/util/duration/duration.go);
* :func:`tabwrite` -- Go's ``text/tabwriter`` (the column alignment of ``kubectl get`` and
  ``kubectl describe``);
* :func:`format_labels`, :func:`rfc1123z`, :func:`escape_terminal`;
* :func:`to_yaml` / :func:`to_json` -- ``kubectl get -o yaml|json`` (sigs.k8s.io/yaml on top
  of a go-yaml v2 emitter, and Go's ``encoding/json``).

Times: objects carry RFC 3339 strings; "now" is kubesim's simulated seconds
(:mod:`kubesim.api.clock`).
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from ..api import clock

# --------------------------------------------------------------------------------------------
# Durations (k8s.io/apimachinery/pkg/util/duration/duration.go)
# --------------------------------------------------------------------------------------------

_NS = 10**9
_MINUTE = 60 * _NS
_HOUR = 60 * _MINUTE


def _tdiv(a: int, b: int) -> int:
    """Go's integer division: truncates toward zero (Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _to_ns(seconds: float) -> int:
    """A float number of seconds as a Go ``time.Duration`` (integer nanoseconds)."""
    return int(round(seconds * _NS))


def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: "59s", "119s", "2m", "3m10s", "70m", "3h1m", "47h", "2d1h",
    "8d", "2y1d" -- about 2-3 significant figures, as in kubectl's AGE column."""
    return human_duration_ns(_to_ns(seconds))


def human_duration_ns(d: int) -> str:
    """:func:`human_duration` for a Go ``time.Duration`` given in integer nanoseconds."""
    secs = _tdiv(d, _NS)
    # A deviation of less than 2s is tolerated as clock skew ("almost now").
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = d // _MINUTE
    if minutes < 10:
        s = (d // _NS) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(seconds: float) -> str:
    """``duration.ShortHumanDuration``: one unit only ("59s", "1m", "23h", "364d", "2y")."""
    return short_human_duration_ns(_to_ns(seconds))


def short_human_duration_ns(d: int) -> str:
    """:func:`short_human_duration` for integer nanoseconds."""
    secs = _tdiv(d, _NS)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60:
        return f"{secs}s"
    if d // _MINUTE < 60:
        return f"{d // _MINUTE}m"
    hours = d // _HOUR
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


# --------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------


def parse_time(ts: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 timestamp (``metav1.Time`` or ``MicroTime``) as an aware datetime; None
    for a missing/empty one (Go's zero ``metav1.Time``)."""
    if not ts:
        return None
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc)


def sim_seconds(ts: Optional[str]) -> Optional[float]:
    """Simulated seconds (see :mod:`kubesim.api.clock`) of a timestamp; None when unset."""
    moment = parse_time(ts)
    return None if moment is None else (moment - clock.EPOCH).total_seconds()


def since(ts: Optional[str], now: float) -> str:
    """``translateTimestampSince`` (printers.go / describe.go): the human age of ``ts`` at
    simulated time ``now``; ``<unknown>`` when the timestamp is unset."""
    start = sim_seconds(ts)
    if start is None:
        return "<unknown>"
    return human_duration(now - start)


def age(obj: dict, now: float) -> str:
    """The ``AGE`` cell of an object: time since ``metadata.creationTimestamp``."""
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123z(ts: Optional[str]) -> str:
    """Go's ``Time.Format(time.RFC1123Z)`` as ``kubectl describe`` prints times
    ("Wed, 01 Jan 2025 00:00:12 +0000"; kubesim's clock is UTC). A zero time prints as Go's
    zero value does."""
    moment = parse_time(ts)
    if moment is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
            f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} +0000")


# --------------------------------------------------------------------------------------------
# Little string helpers shared by printers and describe
# --------------------------------------------------------------------------------------------


def format_labels(labels: Optional[dict]) -> str:
    """``labels.FormatLabels``: ``k=v`` pairs sorted by key, comma-joined; ``<none>``."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def escape_terminal(text: str) -> str:
    """``printers.EscapeTerminal`` (cli-runtime/pkg/printers/terminal.go): ESC and CR are
    shown, not interpreted, so object data cannot drive the learner's terminal."""
    return text.replace("\x1b", "^[").replace("\r", "\\r")


# --------------------------------------------------------------------------------------------
# Go text/tabwriter
# --------------------------------------------------------------------------------------------


def tabwrite(text: str, *, minwidth: int, tabwidth: int, padding: int, padchar: str = " ") -> str:
    """Align tab-separated ``text`` exactly as Go's ``text/tabwriter`` (flags 0) does.

    A cell is tab-terminated text; the text after a line's last tab is not part of any column
    and is never padded.  A column's width is the widest cell (+ ``padding``, at least
    ``minwidth``) over the *consecutive* lines that have a cell in that column -- so a line
    without tabs starts new columns, which is why ``kubectl describe`` sections align on their
    own.  (``tabwidth`` only matters when padding with tabs, which kubectl never does.)
    """
    del tabwidth  # only used with padchar '\t'
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []

    def write_lines(first: int, last: int, widths: list[int]) -> None:
        for i in range(first, last):
            line = lines[i]
            for j, cell in enumerate(line):
                out.append(cell)
                if j < len(widths) and j < len(line) - 1:
                    out.append(padchar * (widths[j] - len(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def fmt(line0: int, line1: int, widths: list[int]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this, widths)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            fmt(line0, this, widths + [width])
            line0 = this
        write_lines(line0, line1, widths)

    fmt(0, len(lines), [])
    return "".join(out)


def tabwrite_get(text: str) -> str:
    """The tabwriter of ``kubectl get`` (cli-runtime/pkg/printers/tabwriter.go: minwidth 6,
    tabwidth 4, padding 3, padchar ' ')."""
    return tabwrite(text, minwidth=6, tabwidth=4, padding=3)


def tabwrite_describe(text: str) -> str:
    """The tabwriter of ``kubectl describe`` (kubectl/pkg/describe/describe.go tabbedString:
    minwidth 0, tabwidth 8, padding 2, padchar ' ')."""
    return tabwrite(text, minwidth=0, tabwidth=8, padding=2)


# --------------------------------------------------------------------------------------------
# Numbers as Go formats them
# --------------------------------------------------------------------------------------------


def _shortest_digits(f: float) -> tuple[str, int]:
    """The shortest round-trip decimal digits of ``abs(f)`` and the position of the decimal
    point (``0.0123`` -> ``("123", -1)``), as Go's strconv computes for precision -1."""
    _, digits, exponent = Decimal(repr(abs(f))).as_tuple()
    ds = "".join(map(str, digits))
    stripped = ds.rstrip("0")
    exponent += len(ds) - len(stripped)
    if not stripped:
        return "0", 1
    return stripped, len(stripped) + exponent


def _go_exp(ds: str, dp: int) -> str:
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    exp = dp - 1
    return f"{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _go_fixed(ds: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return ds + "0" * (dp - len(ds))
    return ds[:dp] + "." + ds[dp:]


def go_format_float_g(f: float) -> str:
    """``strconv.FormatFloat(f, 'g', -1, 64)`` as go-yaml writes floats: exponent form when
    the exponent is < -4 or >= 6 (``1.5e+06``), else plain decimals."""
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    if math.isnan(f):
        return ".nan"
    sign = "-" if f < 0 else ""
    ds, dp = _shortest_digits(f)
    exp = dp - 1
    return sign + (_go_exp(ds, dp) if exp < -4 or exp >= 6 else _go_fixed(ds, dp))


def go_json_float(f: float) -> str:
    """How Go's ``encoding/json`` writes a float64 ('f' format, or 'e' below 1e-6 / from 1e21,
    with a one-digit negative exponent: ``1e-7``)."""
    if f == 0:
        return "0" if math.copysign(1, f) > 0 else "-0"
    sign = "-" if f < 0 else ""
    ds, dp = _shortest_digits(f)
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        body = _go_exp(ds, dp)
        body = re.sub(r"e-0(\d)$", r"e-\1", body)
        return sign + body
    return sign + _go_fixed(ds, dp)


# --------------------------------------------------------------------------------------------
# JSON as kubectl -o json prints it (Go encoding/json, MarshalIndent with 4 spaces)
# --------------------------------------------------------------------------------------------

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    parts = ['"']
    for ch in s:
        if ch in _JSON_ESCAPES:
            parts.append(_JSON_ESCAPES[ch])
        elif ord(ch) < 0x20:
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def _json_value(value: Any, indent: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return go_json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    inner = indent + "    "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_json_string(str(k))}: {_json_value(value[k], inner)}"
                 for k in sorted(value, key=lambda k: str(k).encode("utf-8"))]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [inner + _json_value(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return _json_string(str(value))


def to_json(value: Any) -> str:
    """``json.MarshalIndent(obj, "", "    ")`` + newline, as kubectl's JSON printer writes an
    unstructured object: map keys sorted, HTML characters escaped (``\\u003c``)."""
    return _json_value(value, "") + "\n"


# --------------------------------------------------------------------------------------------
# YAML as kubectl -o yaml prints it (sigs.k8s.io/yaml -> go-yaml v2 emitter)
# --------------------------------------------------------------------------------------------


def _go_yaml_key_less(a: str, b: str) -> bool:
    """go-yaml's ``keyList.Less`` (sorter.go) for two string keys: letters compare by code
    point, a non-letter sorts before a letter, and runs of digits compare numerically."""
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and _is_digit(ar[j]):
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and _is_digit(ar[ai]):
            an = an * 10 + (ord(ar[ai]) - ord("0"))
            ai += 1
        bi = i
        while bi < len(br) and _is_digit(br[bi]):
            bn = bn * 10 + (ord(br[bi]) - ord("0"))
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def yaml_sorted_keys(mapping: dict) -> list:
    """The keys of ``mapping`` in the order go-yaml v2 writes them."""
    def cmp(a, b):
        if _go_yaml_key_less(str(a), str(b)):
            return -1
        return 1 if _go_yaml_key_less(str(b), str(a)) else 0
    return sorted(mapping, key=functools.cmp_to_key(cmp))


_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_YAML_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_YAML_SPECIAL = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                     "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
                     "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
                     ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"], True)}
_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}"
                        r"(([Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[-+]\d{2}:\d{2}))"
                        r"|( \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?))?$")


def _go_parse_int(s: str) -> bool:
    """Would Go's ``strconv.ParseInt(s, 0, 64)``, ``ParseUint`` or ``big.Int.SetString(s, 0)``
    read ``s`` (underscores already removed) as an integer?"""
    body = s[1:] if s[:1] in "+-" else s
    low = body.lower()
    if low.startswith(("0x", "0b", "0o")):
        digits, base = body[2:], {"x": 16, "b": 2, "o": 8}[low[1]]
    elif body.startswith("0") and len(body) > 1:
        digits, base = body[1:], 8
    else:
        digits, base = body, 10
    if not digits or not digits.isascii() or not digits.isalnum():
        return False
    try:
        int(digits, base)
    except ValueError:
        return False
    return True


def _is_timestamp(s: str) -> bool:
    """go-yaml's ``parseTimestamp``: YYYY-M-D, optionally with a time (``T``/``t``/space)."""
    m = _TIMESTAMP.match(s)
    if not m:
        return False
    year, month, day = (int(x) for x in re.match(r"(\d+)-(\d+)-(\d+)", s).groups())
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def _yaml_resolves_to_str(s: str) -> bool:
    """Could go-yaml v2 write ``s`` plain and read it back as a string (resolve.go, and
    encode.go's ``isBase60Float``)?  If not, the encoder double-quotes it."""
    if s[:1] in "+-0123456789" and s and ":" in s and _YAML_BASE60.match(s):
        return False
    if s in _YAML_SPECIAL:
        return False
    hint = s[:1]
    if hint == ".":
        try:
            float(s)
        except ValueError:
            return True
        return False
    if hint and hint in "+-0123456789":
        if _is_timestamp(s):
            return False
        plain = s.replace("_", "")
        if _go_parse_int(plain) or _YAML_FLOAT.match(plain):
            return False
    return True


def _printable(ch: str) -> bool:
    o = ord(ch)
    return (ch == "\n" or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF
            or (0xE000 <= o <= 0xFFFD and o != 0xFEFF))


_BREAKS = "\r\n\x85\u2028\u2029"


class _ScalarAnalysis:
    """libyaml's ``yaml_emitter_analyze_scalar`` (go-yaml v2 emitterc.go)."""

    def __init__(self, value: str):
        self.multiline = False
        if not value:
            self.block_plain = self.single = True
            self.block = False
            return
        block_ind = flow_ind = value.startswith(("---", "..."))
        line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        preceded_by_ws = True
        n = len(value)
        for i, ch in enumerate(value):
            followed_by_ws = i + 1 >= n or value[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if ch in ",?[]{}":
                    flow_ind = True
                elif ch == ":":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not _printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == n - 1
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == n - 1
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t" or ch in _BREAKS
        self.multiline = line_breaks
        self.block_plain = self.single = self.block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            self.block_plain = False
        if trailing_space:
            self.block = False
        if break_space:
            self.block_plain = self.single = False
        if space_break or special:
            self.block_plain = self.single = self.block = False
        if line_breaks or block_ind:
            self.block_plain = False


class _YamlEmitter:
    """Just enough of go-yaml v2's emitter for JSON-shaped data in block style: indentation 2,
    sequences not indented under their key, 80-column folding of long scalars."""

    BEST_WIDTH = 80
    BEST_INDENT = 2

    def __init__(self):
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = -1
        self.indents: list[int] = []

    # -- low level (put / put_break / write_indent / write_indicator) --
    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0
        self.indention = True

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True

    def write_indicator(self, text: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = self.BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += self.BEST_INDENT

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    # -- nodes --
    def node(self, value: Any, *, mapping_ctx: bool = False, simple_key: bool = False) -> None:
        if isinstance(value, dict):
            if not value:
                self.write_indicator("{", True, True, False)
                self.write_indicator("}", False, False, False)
            else:
                self.block_mapping(value)
        elif isinstance(value, (list, tuple)):
            if not value:
                self.write_indicator("[", True, True, False)
                self.write_indicator("]", False, False, False)
            else:
                self.block_sequence(value, mapping_ctx)
        else:
            self.scalar(value, simple_key)

    def block_mapping(self, mapping: dict) -> None:
        self.increase_indent(False, False)
        for key in yaml_sorted_keys(mapping):
            self.write_indent()
            self.scalar(str(key), simple_key=True)
            self.write_indicator(":", False, False, False)
            self.node(mapping[key], mapping_ctx=True)
        self.pop_indent()

    def block_sequence(self, items, mapping_ctx: bool) -> None:
        self.increase_indent(False, mapping_ctx and not self.indention)
        for item in items:
            self.write_indent()
            self.write_indicator("-", True, False, True)
            self.node(item)
        self.pop_indent()

    def scalar(self, value: Any, simple_key: bool = False) -> None:
        text, style = _scalar_style(value)
        analysis = _ScalarAnalysis(text)
        if simple_key and analysis.multiline:
            style = '"'
        if style == "plain" and (not analysis.block_plain or (not text and simple_key)):
            style = "'"
        if style == "'" and not analysis.single:
            style = '"'
        if style == "|" and (not analysis.block or simple_key):
            style = '"'
        self.increase_indent(True, False)
        allow_breaks = not simple_key
        {"plain": self.write_plain, "'": self.write_single, '"': self.write_double,
         "|": lambda t, _b: self.write_literal(t)}[style](text, allow_breaks)
        self.pop_indent()

    # -- scalar writers (yaml_emitter_write_*_scalar) --
    def write_plain(self, value: str, allow_breaks: bool) -> None:
        if value and not self.whitespace:
            self.put(" ")
        spaces = False
        i = 0
        while i < len(value):
            ch = value[i]
            if ch == " ":
                nxt = value[i + 1] if i + 1 < len(value) else ""
                if allow_breaks and not spaces and self.column > self.BEST_WIDTH and nxt != " ":
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                self.indention = False
                spaces = False
            i += 1
        if value:
            self.whitespace = False
        self.indention = False

    def write_single(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        n = len(value)
        for i, ch in enumerate(value):
            if ch == " ":
                nxt = value[i + 1] if i + 1 < n else ""
                if (allow_breaks and not spaces and self.column > self.BEST_WIDTH
                        and 0 < i < n - 1 and nxt != " "):
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.put_break()
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put("''" if ch == "'" else ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    _DQ_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f",
                   "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_",
                   "\u2028": "L", "\u2029": "P"}

    def write_double(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator('"', True, False, False)
        spaces = False
        n = len(value)
        for i, ch in enumerate(value):
            if not _printable(ch) or ch == "\ufeff" or ch in _BREAKS or ch in '"\\':
                self.put("\\")
                esc = self._DQ_ESCAPES.get(ch)
                if esc is None:
                    o = ord(ch)
                    esc = f"x{o:02X}" if o <= 0xFF else (f"u{o:04X}" if o <= 0xFFFF else f"U{o:08X}")
                self.put(esc)
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > self.BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if i + 1 < n and value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value[:1] == " " or value[:1] in _BREAKS and value:
            self.write_indicator(str(self.BEST_INDENT), False, False, False)
        if not value or value[-1] not in _BREAKS:
            self.write_indicator("-", False, False, False)
        elif len(value) == 1 or value[-2] in _BREAKS:
            self.write_indicator("+", False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for ch in value:
            if ch in _BREAKS:
                if ch == "\n":
                    self.put_break()
                else:  # write_break copies other line breaks as they are
                    self.out.append(ch)
                    self.column = 0
                    self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = False
                breaks = False


def _scalar_style(value: Any) -> tuple[str, str]:
    """go-yaml v2 encode.go: the text of a scalar and the style the encoder asks for."""
    if value is None:
        return "null", "plain"
    if value is True:
        return "true", "plain"
    if value is False:
        return "false", "plain"
    if isinstance(value, int):
        return str(value), "plain"
    if isinstance(value, float):
        # JSON round trip first (sigs.k8s.io/yaml): integral floats come back as ints.
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value)), "plain"
        return go_format_float_g(value), "plain"
    s = str(value)
    if "\n" in s:
        return s, "|"
    if _yaml_resolves_to_str(s):
        return s, "plain"
    return s, '"'


def to_yaml(value: Any) -> str:
    """``yaml.Marshal`` of sigs.k8s.io/yaml, which ``kubectl get -o yaml`` prints: keys in
    go-yaml order, two-space indentation, list items at their key's indentation, strings
    quoted only when they would read back as something else, long lines folded at 80."""
    emitter = _YamlEmitter()
    emitter.node(value)
    emitter.write_indent()
    return "".join(emitter.out)
