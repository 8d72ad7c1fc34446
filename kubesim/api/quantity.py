"""Kubernetes ``resource.Quantity``: the numbers in ``cpu: 250m`` and ``memory: 1.5Gi``.

A port of k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go, amount.go) at
v1.33.  Values are exact (:class:`fractions.Fraction`, never floats), and ``str(q)`` is
what the API server writes back (``Quantity.String()``)::

    <quantity>        ::= <signedNumber><suffix>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei          (powers of 1024)
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E (powers of 1000)
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

Canonical form: no fraction digits, the largest suffix that loses nothing, and the
suffix family the value was written in -- so ``1.5Gi`` becomes ``1536Mi`` and ``0.5``
becomes ``500m``.  As in Go, a string that is already canonical is kept verbatim.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import Optional, Union

# quantity.go: splitREString and the three parse errors, worded exactly as Kubernetes.
SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

# suffix.go newSuffixer(): suffix -> (base, exponent).
DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in DECIMAL_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in BINARY_SUFFIXES.items()}
_BIN_BY_EXP[0] = ""

NANO = Fraction(1, 10**9)
MAX_INT64 = 2**63 - 1          # quantity.go maxAllowed: BinarySI values are capped here
_MAX_INT64_FACTORS = 18        # quantity.go maxInt64Factors
_MAX_EXPONENT = 100_000        # kubesim guard against "1e999999999" (Go wraps int32)
_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"


class Quantity:
    """An immutable, exact Kubernetes quantity.

    ``amount`` is the exact value, ``format`` one of ``DecimalSI``, ``BinarySI`` or
    ``DecimalExponent``.  Compare and add them like numbers; ``str()`` gives the
    canonical form the API server stores.
    """

    __slots__ = ("amount", "format", "_s")

    def __init__(self, amount: Union[int, Fraction], format: str = DECIMAL_SI, *, _s: Optional[str] = None):
        object.__setattr__(self, "amount", Fraction(amount))
        object.__setattr__(self, "format", format)
        object.__setattr__(self, "_s", _s)

    def __setattr__(self, name, value):  # immutable, like a value type
        raise AttributeError("Quantity is immutable")

    # ------------------------------------------------------------------ accessors
    def value(self) -> int:
        """``Value()``: the value rounded up (away from zero) to a whole number."""
        return _ceil_away(self.amount)

    def milli_value(self) -> int:
        """``MilliValue()``: ``ceil(q * 1000)``, e.g. 250 for ``250m`` and 1 for ``100u``."""
        return _ceil_away(self.amount * 1000)

    def is_zero(self) -> bool:
        return self.amount == 0

    def round_up_milli(self) -> "Quantity":
        """``RoundUp(Milli)``: round away from zero to a multiple of 1/1000.

        core/v1 defaulting (SetDefaults_ResourceList) does this to every resource list.
        A value that is already milli-exact keeps its remembered string, as in Go.
        """
        scaled = self.amount * 1000
        if scaled.denominator == 1:
            return self
        return Quantity(Fraction(_ceil_away(scaled), 1000), self.format)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: "Quantity") -> "Quantity":
        other = _as_quantity(other)
        # Quantity.Add: a zero receiver takes the other operand's format.
        fmt = other.format if self.amount == 0 else self.format
        return Quantity(self.amount + other.amount, fmt)

    __radd__ = __add__

    def __sub__(self, other: "Quantity") -> "Quantity":
        other = _as_quantity(other)
        fmt = other.format if self.amount == 0 else self.format
        return Quantity(self.amount - other.amount, fmt)

    def __neg__(self) -> "Quantity":
        return Quantity(-self.amount, self.format)

    def _cmp_key(self, other) -> Fraction:
        return _as_quantity(other).amount

    def __eq__(self, other) -> bool:
        try:
            return self.amount == self._cmp_key(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __lt__(self, other) -> bool:
        return self.amount < self._cmp_key(other)

    def __le__(self, other) -> bool:
        return self.amount <= self._cmp_key(other)

    def __gt__(self, other) -> bool:
        return self.amount > self._cmp_key(other)

    def __ge__(self, other) -> bool:
        return self.amount >= self._cmp_key(other)

    def __hash__(self) -> int:
        return hash(self.amount)

    # ------------------------------------------------------------------ formatting
    def __str__(self) -> str:
        if self._s is not None:
            return self._s
        number, suffix = _canonicalize(self.amount, self.format)
        return number + suffix

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r}, format={self.format!r})"


def _as_quantity(value) -> Quantity:
    return value if isinstance(value, Quantity) else parse_quantity(value)


def _ceil_away(x: Fraction) -> int:
    """Round to an integer away from zero (quantity.go rounds "up" in magnitude)."""
    n = abs(x)
    whole = n.numerator // n.denominator
    if whole != n:
        whole += 1
    return whole if x >= 0 else -whole


# ---------------------------------------------------------------------------- parsing
def _split(text: str):
    """parseQuantityString: (positive, value, num, denom, suffix) or ValueError."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":        # strip leading zeros
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:    # the numerator
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":                          # the denominator
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:   # a character that cannot be part of a suffix
        raise ValueError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str):
    """suffixHandler.interpret: (base, exponent, format) or None."""
    if suffix in DECIMAL_SUFFIXES:
        return 10, DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in BINARY_SUFFIXES:
        return 2, BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        digits = rest[1:] if rest[0] in "+-" else rest
        if digits and all(c in _DIGITS for c in digits):   # strconv.ParseInt
            return 10, int(rest), DECIMAL_EXPONENT
    return None


def parse_quantity(value: Union[str, int, float, Quantity]) -> Quantity:
    """Parse a quantity as ``resource.ParseQuantity`` does (``"250m"``, ``"1.5Gi"``, ``"1e3"``).

    ints and floats are accepted the way JSON numbers reach ``Quantity.UnmarshalJSON``.
    Raises ``ValueError`` with Kubernetes' own message on bad input.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(ERR_FORMAT_WRONG)
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    if not text:
        raise ValueError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(0, DECIMAL_SI, _s="0")

    positive, value_str, num, denom, suffix = _split(text)
    interpreted = _interpret(suffix)
    if interpreted is None:
        raise ValueError(ERR_SUFFIX)
    base, exponent, fmt = interpreted
    if abs(exponent) > _MAX_EXPONENT:
        raise ValueError(ERR_NUMERIC)

    # Fast path of ParseQuantity: small values that fit an int64 at scale >= nano.  Only
    # here does Go remember the input string when it is already canonical.
    if fmt == BINARY_SI:
        precision = 15 - len(num) - int(exponent * 3 / 10) - 1 if not denom else -1
        scale, mantissa = 0, 2**exponent
    else:
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
        scale, mantissa = exponent, 1
    if precision >= 0:
        scale -= len(denom)
        if scale >= -9:
            shifted = num + denom
            digits = int(shifted)
            result = digits * mantissa
            if result <= MAX_INT64:
                amount = Fraction(result if positive else -result) * Fraction(10) ** scale
                if fmt == BINARY_SI:
                    canonical = exponent % 10 == 0 and digits & 0x07 != 0
                else:
                    canonical = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                return Quantity(amount, fmt, _s=text if canonical else None)

    # Slow path: arbitrary precision, rounded up to nano, BinarySI capped at 2^63-1.
    try:
        sign = -1 if value_str.startswith("-") else 1
        body = value_str.lstrip("+-")
        whole, _, frac = body.partition(".")
        if not (whole + frac) or not (whole + frac).isdigit():
            raise ValueError
        amount = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    except ValueError:
        raise ValueError(ERR_NUMERIC) from None
    amount *= Fraction(10) ** exponent if base == 10 else 2**exponent
    if amount != 0:
        amount = Fraction(_ceil_away(amount / NANO)) * NANO
    if fmt == BINARY_SI and amount > MAX_INT64:
        amount = Fraction(MAX_INT64)
    if fmt == BINARY_SI and 0 < amount < 1:
        fmt = DECIMAL_SI   # "This avoids rounding and hopefully confusion, too."
    return Quantity(sign * amount, fmt)


# ---------------------------------------------------------------------------- formatting
def _canonicalize(amount: Fraction, fmt: str) -> tuple[str, str]:
    """CanonicalizeBytes: (number, suffix) of the canonical form."""
    if amount == 0:
        return "0", ""
    if fmt == BINARY_SI:
        if -1024 < amount < 1024 or amount.denominator != 1:
            fmt = DECIMAL_SI   # would round, or is small: show as DecimalSI
        else:
            n, times = int(amount), 0
            while abs(n) >= 1024 and n % 1024 == 0 and times < 6:
                n //= 1024
                times += 1
            return str(n), _BIN_BY_EXP[times * 10]
    if fmt not in (DECIMAL_SI, DECIMAL_EXPONENT):
        fmt = DECIMAL_EXPONENT
    mantissa, exponent = _decimal_parts(amount)
    shift = exponent % 3                     # exponent down to a multiple of 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if fmt == DECIMAL_SI and exponent in _DEC_BY_EXP:
        return str(mantissa), _DEC_BY_EXP[exponent]
    # DecimalExponent, or a DecimalSI value beyond "E": newer apimachinery falls back to
    # "e<exp>" here instead of silently dropping the exponent (v1.33 printed "1000E" as "1").
    return str(mantissa), ("" if exponent == 0 else f"e{exponent}")


def _decimal_parts(amount: Fraction) -> tuple[int, int]:
    """Write amount as mantissa * 10**exponent with no trailing zeros in the mantissa."""
    num, den, exponent = amount.numerator, amount.denominator, 0
    while den != 1:
        num, exponent = num * 10, exponent - 1
        g = gcd(num, den)
        num, den = num // g, den // g
        if exponent < -40:   # not a decimal fraction; cannot come from parsing
            raise ValueError("quantity is not a decimal value")
    while num % 10 == 0:
        num, exponent = num // 10, exponent + 1
    return num, exponent


# ---------------------------------------------------------------------------- helpers
def cpu_millis(value: Union[str, int, float, Quantity]) -> int:
    """Millicores of a CPU quantity: ``"250m"`` -> 250, ``"2"`` -> 2000, ``0.5`` -> 500."""
    return parse_quantity(value).milli_value()


def memory_bytes(value: Union[str, int, float, Quantity]) -> int:
    """Bytes of a memory quantity: ``"256Mi"`` -> 268435456, ``"1G"`` -> 10**9."""
    return parse_quantity(value).value()


def format_cpu_millis(millis: int) -> str:
    """Canonical CPU string for millicores, as ``NewMilliQuantity(m, DecimalSI)``: 250 -> ``"250m"``, 2000 -> ``"2"``."""
    return str(Quantity(Fraction(millis, 1000), DECIMAL_SI))


def format_bytes(n: int) -> str:
    """Canonical memory string for bytes, as ``NewQuantity(n, BinarySI)``: 268435456 -> ``"256Mi"``."""
    return str(Quantity(n, BINARY_SI))
