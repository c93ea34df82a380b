"""The Quebec enterprise number (NEQ): 10 digits, the first two give the legal form.

No check digit is published, but every real NEQ examined from the enterprise register's open
data passes a Luhn (mod 10) check over digits 3 to 10 (see ../shared/domain.md). So a wrong
length, a non-digit or an unknown prefix is refused; a failed Luhn check is only a warning the
person may confirm (the number may still be right).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Prefix -> legal form.
PREFIXES = {
    "11": gettext_lazy("Legal person (corporation)"),
    "22": gettext_lazy("Sole proprietorship"),
    "33": gettext_lazy("Partnership or group of persons"),
    "88": gettext_lazy("Public body"),
}
_IGNORED = " -\u00a0\u202f"


@dataclass(frozen=True)
class Neq:
    value: str
    #: False when the number fails the Luhn check the register's numbers pass.
    checksum_ok: bool

    @property
    def legal_form(self):
        return PREFIXES[self.value[:2]]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def parse_neq(raw: str) -> Neq:
    """Normalise ``raw`` (spaces and dashes ignored) and check it; raise ValidationError with a
    clear message for a wrong length, letters or an unknown prefix."""
    value = "".join(c for c in (raw or "") if c not in _IGNORED)
    if not value:
        raise ValidationError(_("Enter the enterprise’s NEQ (10 digits)."), code="required")
    if not value.isdigit():
        raise ValidationError(_("An NEQ has only digits; “%(value)s” has other characters.")
                              % {"value": raw.strip()}, code="not_digits")
    if len(value) != 10:
        raise ValidationError(_("An NEQ has 10 digits; “%(value)s” has %(count)s.")
                              % {"value": raw.strip(), "count": len(value)}, code="length")
    if value[:2] not in PREFIXES:
        raise ValidationError(
            _("An NEQ starts with 11, 22, 33 or 88 (the legal form); “%(value)s” starts with "
              "%(prefix)s.") % {"value": value, "prefix": value[:2]}, code="prefix")
    return Neq(value=value, checksum_ok=luhn_ok(value[2:]))
