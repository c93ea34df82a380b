"""``{% load bilingual %}{{ item|in_language:"label" }}``: a text kept in French and English
(``label_fr``/``label_en``, ``title_fr``/``title_en``...) in the reader's language."""

from django import template

from ..answers import localized

register = template.Library()


@register.filter
def in_language(obj, field: str) -> str:
    return localized(obj, field)
