"""kubesim.api.quantity against k8s.io/apimachinery/pkg/api/resource/quantity_test.go.

The tables below are the upstream test tables (TestQuantityParse, TestQuantityString,
TestQuantityParseEmit, TestNewSet, TestMilliNewSet, TestQuantityRoundUp), re-expressed as
(input, exact value, format) or (value, format, canonical string).
"""
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from kubesim.api.quantity import (
    BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI, ERR_FORMAT_WRONG, ERR_SUFFIX, Quantity,
    cpu_millis, format_bytes, format_cpu_millis, memory_bytes, parse_quantity,
)

KI, MI, GI, TI, PI, EI = (1024 ** n for n in range(1, 7))


def dec(mantissa, exponent):
    return F(mantissa) * F(10) ** exponent


# quantity_test.go TestQuantityParse
PARSE = [
    ("0", 0, DECIMAL_SI), ("0n", 0, DECIMAL_SI), ("0u", 0, DECIMAL_SI), ("0m", 0, DECIMAL_SI),
    ("0Ki", 0, BINARY_SI), ("0k", 0, DECIMAL_SI), ("0Mi", 0, BINARY_SI), ("0M", 0, DECIMAL_SI),
    ("0Gi", 0, BINARY_SI), ("0G", 0, DECIMAL_SI), ("0Ti", 0, BINARY_SI), ("0T", 0, DECIMAL_SI),
    ("1", 1, DECIMAL_SI),
    ("1Ki", KI, BINARY_SI), ("8Ki", 8 * KI, BINARY_SI), ("7Mi", 7 * MI, BINARY_SI),
    ("6Gi", 6 * GI, BINARY_SI), ("5Ti", 5 * TI, BINARY_SI), ("4Pi", 4 * PI, BINARY_SI),
    ("3Ei", 3 * EI, BINARY_SI), ("10Ti", 10 * TI, BINARY_SI), ("100Ti", 100 * TI, BINARY_SI),
    ("5n", dec(5, -9), DECIMAL_SI), ("4u", dec(4, -6), DECIMAL_SI), ("3m", dec(3, -3), DECIMAL_SI),
    ("9", 9, DECIMAL_SI), ("8k", dec(8, 3), DECIMAL_SI), ("50k", dec(5, 4), DECIMAL_SI),
    ("7M", dec(7, 6), DECIMAL_SI), ("6G", dec(6, 9), DECIMAL_SI), ("5T", dec(5, 12), DECIMAL_SI),
    ("40T", dec(4, 13), DECIMAL_SI), ("300T", dec(3, 14), DECIMAL_SI), ("2P", dec(2, 15), DECIMAL_SI),
    ("1E", dec(1, 18), DECIMAL_SI),
    ("1E-3", dec(1, -3), DECIMAL_EXPONENT), ("1e3", dec(1, 3), DECIMAL_EXPONENT),
    ("1E6", dec(1, 6), DECIMAL_EXPONENT), ("1e9", dec(1, 9), DECIMAL_EXPONENT),
    ("1E12", dec(1, 12), DECIMAL_EXPONENT), ("1e15", dec(1, 15), DECIMAL_EXPONENT),
    ("1E18", dec(1, 18), DECIMAL_EXPONENT),
    ("1e14", dec(1, 14), DECIMAL_EXPONENT), ("1e13", dec(1, 13), DECIMAL_EXPONENT),
    ("100.035k", dec(100035, 0), DECIMAL_SI),
    ("0.001", dec(1, -3), DECIMAL_SI), ("0.0005k", dec(5, -1), DECIMAL_SI),
    ("0.005", dec(5, -3), DECIMAL_SI), ("0.05", dec(5, -2), DECIMAL_SI), ("0.5", dec(5, -1), DECIMAL_SI),
    ("0.00050k", dec(5, -1), DECIMAL_SI), ("0.00500", dec(5, -3), DECIMAL_SI),
    ("0.05000", dec(5, -2), DECIMAL_SI), ("0.50000", dec(5, -1), DECIMAL_SI),
    ("0.5e0", dec(5, -1), DECIMAL_EXPONENT), ("0.5e-1", dec(5, -2), DECIMAL_EXPONENT),
    ("0.5e-2", dec(5, -3), DECIMAL_EXPONENT), ("10.035M", dec(10035, 3), DECIMAL_SI),
    ("1.2e3", dec(12, 2), DECIMAL_EXPONENT), ("1.3E+6", dec(13, 5), DECIMAL_EXPONENT),
    ("1.40e9", dec(14, 8), DECIMAL_EXPONENT), ("1.53E12", dec(153, 10), DECIMAL_EXPONENT),
    ("1.6e15", dec(16, 14), DECIMAL_EXPONENT), ("1.7E18", dec(17, 17), DECIMAL_EXPONENT),
    ("9.01", dec(901, -2), DECIMAL_SI), ("8.1k", dec(81, 2), DECIMAL_SI),
    ("7.123456M", dec(7123456, 0), DECIMAL_SI), ("6.987654321G", dec(6987654321, 0), DECIMAL_SI),
    ("5.444T", dec(5444, 9), DECIMAL_SI), ("40.1T", dec(401, 11), DECIMAL_SI),
    ("300.2T", dec(3002, 11), DECIMAL_SI), ("2.5P", dec(25, 14), DECIMAL_SI),
    ("1.01E", dec(101, 16), DECIMAL_SI),
    # Things that saturate/round
    ("3.001n", dec(4, -9), DECIMAL_SI), ("1.1E-9", dec(2, -9), DECIMAL_EXPONENT),
    ("0.0000000001", dec(1, -9), DECIMAL_SI), ("0.0000000005", dec(1, -9), DECIMAL_SI),
    ("0.00000000050", dec(1, -9), DECIMAL_SI), ("0.5e-9", dec(1, -9), DECIMAL_EXPONENT),
    ("0.9n", dec(1, -9), DECIMAL_SI), ("0.00000012345", dec(124, -9), DECIMAL_SI),
    ("0.00000012354", dec(124, -9), DECIMAL_SI),
    ("9Ei", 2**63 - 1, BINARY_SI), ("9223372036854775807Ki", 2**63 - 1, BINARY_SI),
    ("12E", dec(12, 18), DECIMAL_SI),
    # We'll accept fractional binary stuff, too.
    ("100.035Ki", dec(10243584, -2), BINARY_SI), ("0.5Mi", MI // 2, BINARY_SI),
    ("0.05Gi", dec(536870912, -1), BINARY_SI), ("0.025Ti", dec(274877906944, -1), BINARY_SI),
    # Things written by trolls
    ("0.000000000001Ki", dec(2, -9), DECIMAL_SI), (".001", dec(1, -3), DECIMAL_SI),
    (".0001k", dec(100, -3), DECIMAL_SI), ("1.", 1, DECIMAL_SI), ("1.G", dec(1, 9), DECIMAL_SI),
]


@pytest.mark.parametrize("text,value,fmt", PARSE)
def test_parse_table(text, value, fmt):
    q = parse_quantity(text)
    assert q.amount == value and q.format == fmt


@pytest.mark.parametrize("text,value,fmt", [p for p in PARSE if p[1] != 0])
def test_parse_table_with_explicit_sign(text, value, fmt):
    # "Try the negative version of everything" / "Try everything with an explicit +"
    assert parse_quantity("-" + text).amount == -value
    assert parse_quantity("+" + text).amount == value
    assert parse_quantity("-" + text).format == fmt


# quantity_test.go TestQuantityParse invalid list; the error messages are quantity.go's.
@pytest.mark.parametrize("text", ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i",
                                  "-3.01i", "-3.01e-", " 1", "1 ", ""])
def test_invalid(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_error_messages_are_kubernetes():
    with pytest.raises(ValueError) as e:
        parse_quantity("abc")
    assert str(e.value) == ("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert str(e.value) == ERR_FORMAT_WRONG
    with pytest.raises(ValueError) as e:
        parse_quantity("1ki")              # K is not a suffix; k is
    assert str(e.value) == ERR_SUFFIX == "unable to parse quantity's suffix"
    for bad in (True, None, {}, []):
        with pytest.raises(ValueError, match="quantities must match"):
            parse_quantity(bad)


# quantity_test.go TestQuantityString: (value, format, canonical, alternate spelling)
STRING = [
    (GI, BINARY_SI, "1Gi", "1024Mi"), (300 * MI, BINARY_SI, "300Mi", "307200Ki"),
    (6 * KI, BINARY_SI, "6Ki", ""), (1001 * GI, BINARY_SI, "1001Gi", "1025024Mi"),
    (TI, BINARY_SI, "1Ti", "1024Gi"), (5, BINARY_SI, "5", "5000m"),
    (dec(500, -3), BINARY_SI, "500m", "0.5"), (dec(1, 9), DECIMAL_SI, "1G", "1000M"),
    (dec(1000, 6), DECIMAL_SI, "1G", "0.001T"), (dec(1, -3), DECIMAL_SI, "1m", "1000u"),
    (dec(80, -3), DECIMAL_SI, "80m", ""), (dec(1080, -3), DECIMAL_SI, "1080m", "1.08"),
    (dec(108, -2), DECIMAL_SI, "1080m", "1080000000n"), (dec(300, 6), DECIMAL_SI, "300M", ""),
    (dec(1, 12), DECIMAL_SI, "1T", ""), (dec(1, 18), DECIMAL_SI, "1E", ""),
    (dec(1, 21), DECIMAL_SI, "1e21", "1000E"), (dec(5, 21), DECIMAL_SI, "5e21", "5000E"),
    (dec(1234567, 6), DECIMAL_SI, "1234567M", ""), (dec(1234567, -3), BINARY_SI, "1234567m", ""),
    (dec(3, 3), DECIMAL_SI, "3k", ""), (1025, BINARY_SI, "1025", ""), (0, DECIMAL_SI, "0", ""),
    (0, BINARY_SI, "0", ""), (dec(1, 9), DECIMAL_EXPONENT, "1e9", ".001e12"),
    (dec(1, -3), DECIMAL_EXPONENT, "1e-3", "0.001e0"), (dec(1, -9), DECIMAL_EXPONENT, "1e-9", "1000e-12"),
    (dec(80, -3), DECIMAL_EXPONENT, "80e-3", ""), (dec(300, 6), DECIMAL_EXPONENT, "300e6", ""),
    (dec(3, 3), DECIMAL_EXPONENT, "3e3", ""), (0, DECIMAL_EXPONENT, "0", "00"),
    (dec(1, -9), DECIMAL_SI, "1n", ""), (dec(1080, -9), DECIMAL_SI, "1080n", ""),
    (dec(1, -6), DECIMAL_SI, "1u", ""), (dec(1080, -6), DECIMAL_SI, "1080u", ""),
]


@pytest.mark.parametrize("value,fmt,canonical,alternate", STRING)
def test_string(value, fmt, canonical, alternate):
    assert str(Quantity(value, fmt)) == canonical
    assert str(parse_quantity(canonical)) == canonical          # canonical input is kept
    if alternate:
        assert str(parse_quantity(alternate)) == canonical
    if value:
        assert str(Quantity(-value, fmt)) == "-" + canonical


# quantity_test.go TestQuantityParseEmit, and the examples in the Quantity doc comment
@pytest.mark.parametrize("text,emitted", [
    ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"),
    (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
    ("1.5Gi", "1536Mi"), ("0.5", "500m"), ("1.5", "1500m"), ("1000m", "1"), ("2k", "2k"), ("1e3", "1e3"),
    ("250m", "250m"), ("256Mi", "256Mi"), ("100n", "100n"), ("0.1m", "100u"), ("1E", "1E"),
    ("-1", "-1"), (0.5, "500m"), (2, "2"), (2.0, "2"),
])
def test_parse_emit(text, emitted):
    assert str(parse_quantity(text)) == emitted
    if isinstance(text, str) and text[0] not in "+-" and parse_quantity(text).amount:
        assert str(parse_quantity("-" + text)) == "-" + emitted


def test_canonical_input_is_kept_verbatim():
    # ParseQuantity reuses the input string when it is already canonical -- even "+1".
    assert str(parse_quantity("+1")) == "+1"
    assert str(parse_quantity("3Ki")) == "3Ki"


# TestNewSet / TestMilliNewSet
@pytest.mark.parametrize("value,fmt,expect", [
    (1, DECIMAL_SI, "1"), (1000, DECIMAL_SI, "1k"), (1234000, DECIMAL_SI, "1234k"),
    (1024, BINARY_SI, "1Ki"), (1000000, "invalidFormatDefaultsToExponent", "1e6"), (MI, BINARY_SI, "1Mi"),
])
def test_new_quantity(value, fmt, expect):
    q = Quantity(value, fmt)
    assert str(q) == expect and parse_quantity(str(q)).value() == value


@pytest.mark.parametrize("millis,fmt,expect", [
    (1, DECIMAL_SI, "1m"), (1000, DECIMAL_SI, "1"), (1234000, DECIMAL_SI, "1234"),
    (1024, BINARY_SI, "1024m"), (1000000, "invalidFormatDefaultsToExponent", "1e3"), (MI, BINARY_SI, "1048576m"),
])
def test_new_milli_quantity(millis, fmt, expect):
    assert str(Quantity(F(millis, 1000), fmt)) == expect


# TestQuantityRoundUp (milli scale) and Value()/MilliValue() rounding away from zero
def test_round_up_and_scaled_values():
    assert parse_quantity("9.01").round_up_milli().amount == dec(901, -2)
    assert str(parse_quantity("100n").round_up_milli()) == "1m"
    assert str(parse_quantity("-100n").round_up_milli()) == "-1m"
    assert parse_quantity("1.5").value() == 2 and parse_quantity("-1.5").value() == -2
    assert parse_quantity("100u").milli_value() == 1
    assert parse_quantity("250m").milli_value() == 250


def test_arithmetic_and_comparison():
    assert parse_quantity("100m") > parse_quantity("50m")
    assert parse_quantity("10000T") > parse_quantity("100Gi")     # TestQuantityCmp
    assert parse_quantity("1Gi") == parse_quantity("1024Mi")
    total = parse_quantity("250m") + parse_quantity("1")
    assert str(total) == "1250m"
    # TestQuantityAddZeroPreservesSuffix / SubZero
    zero = parse_quantity("0")
    for text in ("100m", "1Gi"):
        assert str(parse_quantity(text) + zero) == text
        assert str(zero + parse_quantity(text)) == text
        assert str(zero - parse_quantity(text)) == str(-parse_quantity(text))
    assert str(-Quantity(dec(901, -2))) == "-9010m"               # TestQuantityNeg
    with pytest.raises(AttributeError):
        parse_quantity("1").amount = 2


def test_helpers():
    assert cpu_millis("250m") == 250 and cpu_millis("2") == 2000 and cpu_millis(0.5) == 500
    assert memory_bytes("256Mi") == 268435456 and memory_bytes("1G") == 10**9
    assert format_cpu_millis(250) == "250m" and format_cpu_millis(2000) == "2"
    assert format_cpu_millis(1500) == "1500m"
    assert format_bytes(268435456) == "256Mi" and format_bytes(512 * MI) == "512Mi"
    assert format_bytes(1500) == "1500"
    assert format_bytes(1000) == "1k"   # BinarySI below 1024 prints as DecimalSI


# ----------------------------------------------------------------------------- properties
suffixes = st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
                            "e3", "e-3", "E6", "e0"])
numbers = st.from_regex(r"\A[+-]?[0-9]{1,12}(\.[0-9]{0,9})?\Z")


@given(numbers, suffixes)
def test_roundtrip_keeps_value(number, suffix):
    q = parse_quantity(number + suffix)
    again = parse_quantity(str(q))
    assert again == q                       # String() is a faithful spelling
    assert str(again) == str(q)             # and is a fixed point
    # Without the remembered input (Go keeps e.g. "01" verbatim), String() is canonical:
    # no sign but "-", no leading zero, no fraction digits.
    canonical = str(Quantity(q.amount, q.format))
    assert parse_quantity(canonical) == q
    assert canonical == "0" or canonical.lstrip("-")[0] in "123456789"
    assert "." not in canonical and "+" not in canonical


@given(st.integers(min_value=0, max_value=2**62))
def test_format_bytes_roundtrip(n):
    assert memory_bytes(format_bytes(n)) == n


@given(st.integers(min_value=0, max_value=10**12))
def test_format_cpu_millis_roundtrip(m):
    assert cpu_millis(format_cpu_millis(m)) == m


@given(st.text(max_size=8))
def test_parse_never_crashes_unexpectedly(text):
    try:
        parse_quantity(text)
    except ValueError as e:
        assert str(e) in (ERR_FORMAT_WRONG, ERR_SUFFIX, "unable to parse numeric part of quantity")
