"""``{% load money %}``: ``{{ plan.approved_amount|money }}`` is « 37 000,00 $ » in French and
« $37,000.00 » in English (``portal.money``); ``{{ value|amount_input }}`` is what an amount
field shows, without the sign (« 52 000,00 », « 52,000.00 »)."""

from django import template

from portal import money as _money

register = template.Library()


@register.filter
def money(value):
    return _money.money(value)


@register.filter
def amount_input(value):
    return _money.amount_input(value)
