"""Amounts of money, written and read the way a Quebec reader expects, in the reader's language.

One place for every page, export display, message, letter and email:

- ``money(37000)`` is « 37 000,00 $ » in French (a no-break space, U+00A0, between groups of
  digits and before « $ », so the amount never breaks across two lines) and « $37,000.00 » in
  English;
- ``amount_input(52000)`` is what an amount field shows back, without the sign: « 52 000,00 »
  in French, « 52,000.00 » in English;
- ``parse_amount("52 000,00")`` reads what people type: « 52 000,00 », « 52000,00 »,
  « 52000.00 », « 52 000 », « 1 234,56 $ » and « 52,000.00 »; in English « 52,000 » is fifty-two
  thousand.

Templates use the ``money`` filter (``{% load money %}{{ plan.approved_amount|money }}``).
The language is the active one unless given (``"fr"``, ``"fr-ca"``, ``"en"``).
Only money is grouped this way: years, ids and file numbers keep their plain digits (the
project leaves ``USE_THOUSAND_SEPARATOR`` off).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.numberformat import format as number_format

NBSP = "\u00a0"
CENT = Decimal("0.01")

#: Spaces a French user types or pastes inside a number: space, no-break space, narrow no-break,
#: thin space.
_SPACES = (" ", NBSP, "\u202f", "\u2009")
#: « 52,000 » or « 1,234,567 »: commas grouping thousands (read so in English only).
_ENGLISH_GROUPS = re.compile(r"-?\d{1,3}(,\d{3})+")


def _is_french(language: str | None) -> bool:
    return (language or translation.get_language() or "fr").lower().startswith("fr")


def _digits(value, language: str | None) -> str:
    """``value`` rounded to the cent (half up) with the language's separators."""
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if _is_french(language):
        return number_format(amount, decimal_sep=",", decimal_pos=2, grouping=3,
                             thousand_sep=NBSP, force_grouping=True)
    return number_format(amount, decimal_sep=".", decimal_pos=2, grouping=3, thousand_sep=",",
                         force_grouping=True)


def money(value, language: str | None = None) -> str:
    """« 37 000,00 $ » (French) or « $37,000.00 » (English); a negative amount « -1 234,00 $ » /
    « -$1,234.00 »; empty for no amount (None or empty text)."""
    if value is None or value == "":
        return ""
    text = _digits(value, language)
    if _is_french(language):
        return f"{text}{NBSP}$"
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}${text}"


def amount_input(value, language: str | None = None) -> str:
    """What an amount field shows: « 52 000,00 » (French) or « 52,000.00 » (English), read back
    by ``parse_amount``. Anything but a number is returned as it is (the person's own input)."""
    if value is None or value == "":
        return ""
    try:
        return _digits(value, language)
    except (InvalidOperation, TypeError, ValueError):
        return value


def normalise_amount(value: str, language: str | None = None) -> str:
    """What a person typed, as Python writes the number: « 1 234,56 », « 1234.56 »,
    « 1 234,56 $ », « 1,234.56 » all become « 1234.56 ». Where both separators appear, the last
    one is the decimal separator (« 1.234,50 », « 1,234.50 »). A comma alone is the French
    decimal comma (« 1234,5 »), except in English where « 52,000 » groups thousands. Text that
    is no number stays as it is, for the field to refuse."""
    value = value.strip().removeprefix("$").strip().removesuffix("$").strip()
    if value.startswith("-"):  # « -$5 »
        value = "-" + value[1:].strip().removeprefix("$").strip()
    for space in _SPACES:
        value = value.replace(space, "")
    if "," in value and "." in value:
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "")
    elif not _is_french(language) and _ENGLISH_GROUPS.fullmatch(value):
        value = value.replace(",", "")
    return value.replace(",", ".")


def parse_amount(value, language: str | None = None) -> Decimal | None:
    """The amount a person typed, rounded to the cent; None when nothing was typed. Raises
    ``decimal.InvalidOperation`` (an ``ArithmeticError``) on text that is no number."""
    if value is None:
        return None
    if isinstance(value, Decimal | int):
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = normalise_amount(str(value), language)
    if not text:
        return None
    amount = Decimal(text)
    if not amount.is_finite():
        raise InvalidOperation(text)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
