"""Every form of the portal renders with ``portal.renderers.FormRenderer``: Django's widgets,
with a select that writes its options in place (the filter forms of the lists render hundreds
of them on every page). A select reads exactly as Django's own: same options, same choice
kept, same attributes, groups and escaping."""

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer

from portal.renderers import FormRenderer

SELECTS = [
    (forms.Select(choices=[("", "—"), *[(n, f"Organisme <{n}> & fils") for n in range(30)]]),
     [None, 7, "7", ""]),
    (forms.Select(choices=[(1, "Un")], attrs={"aria-describedby": "aide", "required": True}),
     [1]),
    (forms.SelectMultiple(choices=[("Mauricie", [(1, "Trois-Rivières"), (2, "Shawinigan")]),
                                   (3, "Gatineau")]), [[1, 3], None]),
    (forms.NullBooleanSelect(), [None, True, False]),
]


def test_the_portal_renders_its_forms_with_its_own_renderer():
    assert isinstance(get_default_renderer(), FormRenderer)


def test_a_select_reads_exactly_as_djangos_own():
    django_renderer, portal_renderer = DjangoTemplates(), FormRenderer()
    for widget, values in SELECTS:
        for value in values:
            ours = widget.render("choix", value, renderer=portal_renderer)
            assert ours == widget.render("choix", value, renderer=django_renderer)
    chosen = SELECTS[0][0].render("choix", 7, renderer=portal_renderer)
    assert '<option value="7" selected>Organisme &lt;7&gt; &amp; fils</option>' in chosen
