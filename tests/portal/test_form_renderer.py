"""Every form of the portal renders with ``portal.renderers.FormRenderer``: Django's widgets,
with the select and the ``<input>`` family written in Python (the filter forms of the lists
render hundreds of options on every page). They read exactly as Django's own templates: same
options, same choice kept, same value, same attributes, groups and escaping."""

import datetime

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
    (forms.Select(choices=[(2024, 2024), (2025, "2025")]), [2024]),
]
INPUTS = [
    (forms.TextInput(attrs={"placeholder": "Nom « officiel » & <b>", "required": True,
                            "disabled": False}), [None, "", "Saint-Éloi <i>", 0]),
    (forms.NumberInput(attrs={"step": "0.01", "min": 0}), [None, 52000, "52000.50"]),
    (forms.DateInput(attrs={"type": "date"}), [None, datetime.date(2026, 12, 6), "2026-12-06"]),
    (forms.EmailInput(), ["a@b.ca"]),
    (forms.HiddenInput(), ["me", 3]),
    (forms.SearchInput() if hasattr(forms, "SearchInput") else forms.TextInput(), ["q"]),
    (forms.CheckboxInput(), [None, True, False, "on"]),
    (forms.PasswordInput(render_value=True), ["secret"]),
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


def test_inputs_read_exactly_as_djangos_own():
    django_renderer, portal_renderer = DjangoTemplates(), FormRenderer()
    for widget, values in INPUTS:
        for value in values:
            ours = widget.render("champ", value, attrs={"id": "id_champ"},
                                 renderer=portal_renderer)
            assert ours == widget.render("champ", value, attrs={"id": "id_champ"},
                                         renderer=django_renderer), (widget, value)
    checked = forms.CheckboxInput().render("actif", True, renderer=portal_renderer)
    assert checked == '<input type="checkbox" name="actif" checked>'


def test_a_whole_form_reads_as_with_djangos_renderer():
    class Filters(forms.Form):
        q = forms.CharField(required=False, label="Recherche")
        region = forms.ChoiceField(choices=[("", "Toutes"), ("04", "Mauricie")],
                                   required=False)
        status = forms.MultipleChoiceField(choices=[("new", "Nouveau"), ("open", "Ouvert")],
                                           widget=forms.CheckboxSelectMultiple,
                                           required=False)
        since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
        mine = forms.BooleanField(required=False)
        kind = forms.ChoiceField(choices=[("a", "A & <b>"), ("Groupe", [("b", "B")])],
                                 widget=forms.RadioSelect, required=False)

    data = {"q": "<script>", "region": "04", "status": ["open"], "since": "pas une date",
            "mine": "on", "kind": "b"}
    ours = Filters(data, renderer=FormRenderer()).as_div()
    assert ours == Filters(data, renderer=DjangoTemplates()).as_div()
    assert 'value="&lt;script&gt;"' in ours
    field = Filters(data, renderer=FormRenderer())["status"]
    assert [choice.tag() for choice in field] == [
        choice.tag() for choice in Filters(data, renderer=DjangoTemplates())["status"]]


def test_selects_and_inputs_are_written_without_the_template_engine():
    renderer = FormRenderer()

    def no_template(name):
        raise AssertionError(f"{name} was rendered through a template")

    renderer.get_template = no_template
    html = forms.Select(choices=[(1, "Un"), (2, "Deux")]).render("n", 2, renderer=renderer)
    assert '<option value="2" selected>Deux</option>' in html
    assert forms.TextInput().render("q", "x", renderer=renderer) == \
        '<input type="text" name="q" value="x">'
