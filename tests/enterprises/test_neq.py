"""The NEQ: 10 digits with a known prefix are required (a clear message says what is wrong);
a failed Luhn check over digits 3 to 10 is only a warning (``checksum_ok`` False)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enterprises.neq import luhn_ok, parse_neq
from tests.factories.enterprises import valid_neq


def refused(raw):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_neq(raw)
    return caught.value


def failing_check(neq: str) -> str:
    """``neq`` with its last digit changed, so it fails the check."""
    return neq[:-1] + str((int(neq[-1]) + 1) % 10)


@pytest.mark.parametrize(("raw", "code", "says"), [
    ("114567890", "length", "An NEQ has 10 digits; “114567890” has 9."),
    ("11456789012", "length", "has 11"),
    ("11A4567890", "not_digits", "An NEQ has only digits"),
    ("NEQ1145678901", "not_digits", "has other characters"),
    ("4412345678", "prefix", "starts with 11, 22, 33 or 88 (the legal form); “4412345678” "
                             "starts with 44"),
    ("", "required", "Enter the enterprise’s NEQ (10 digits)."),
])
def test_a_malformed_neq_is_refused_with_a_message_saying_what_is_wrong(raw, code, says):
    error = refused(raw)
    assert error.code == code
    assert says in error.messages[0]


@pytest.mark.parametrize("written", ["{a} {b} {c}", "{a}-{b}-{c}", " {a}{b}{c} ",
                                     "{a}\u00a0{b}\u202f{c}"])
def test_spaces_and_dashes_are_ignored(written):
    neq = valid_neq(4_512_345)
    raw = written.format(a=neq[:4], b=neq[4:7], c=neq[7:])
    assert parse_neq(raw).value == neq


@pytest.mark.parametrize("neq", [
    "1143880947",  # the shape of the register's numbers: prefix, then 8 digits passing Luhn
    "3336751006",
    valid_neq(1, "22"),
    valid_neq(9_999_999, "88"),
])
def test_numbers_passing_the_check_are_accepted_without_warning(neq):
    assert luhn_ok(neq[2:])
    parsed = parse_neq(neq)
    assert parsed.value == neq
    assert parsed.checksum_ok is True


def test_a_failed_check_digit_is_a_warning_not_a_refusal():
    neq = failing_check(valid_neq(123_456))
    parsed = parse_neq(neq)  # no ValidationError
    assert parsed.value == neq
    assert parsed.checksum_ok is False


def test_the_check_is_over_digits_3_to_10_not_the_whole_number():
    assert luhn_ok("1143880944") and not luhn_ok("43880944")
    assert parse_neq("1143880944").checksum_ok is False  # all 10 digits pass: not enough
    assert parse_neq("1143880947").checksum_ok is True
    assert parse_neq("2243880947").checksum_ok is True  # the prefix is not part of the check


@pytest.mark.parametrize(("prefix", "form"), [
    ("11", "Legal person (corporation)"),
    ("22", "Sole proprietorship"),
    ("33", "Partnership or group of persons"),
    ("88", "Public body"),
])
def test_the_prefix_gives_the_legal_form(prefix, form):
    with translation.override("en"):
        assert str(parse_neq(valid_neq(42, prefix)).legal_form) == form
