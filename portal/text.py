"""Text helpers shared by every app."""

import unicodedata


def fold(value: str) -> str:
    """Lower-case ``value`` and strip its accents and dash variants, for searching:
    ``fold("Trois-Rivières") == fold("trois-rivieres") == "trois-rivieres"``."""
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(c for c in value if not unicodedata.combining(c))
    for dash in ("\u2013", "\u2014", "\u2011", "\u2212"):
        value = value.replace(dash, "-")
    return " ".join(value.lower().split())
