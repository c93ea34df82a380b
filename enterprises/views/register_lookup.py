"""The enterprise register under the NEQ field: the htmx fragment that fills the registration
or profile form from the Registraire des entreprises' open data (``enterprises/register.py``)
and warns of an NEQ unknown to the register or of an enterprise struck off or dissolved.

**Prefill never overwrites what the person typed without them choosing it.** The fragment fills
only the fields still empty (legal name, other names, address, legal form); where the person
typed something else, it names those fields, keeps their text and offers « Use the register's
values », which replaces them. The main activity code is shown, not copied: the register gives
a CAE code, the form asks for a NAICS code, a different classification.

The register is public data, so the fragment needs no sign-in; it reads only the register's
table, never the portal's enterprises, so it tells nobody whether an NEQ is in the portal."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import register
from ..forms import RegistrationForm
from ..neq import parse_neq

PREFILLED = ("name", "other_names", "legal_form", "address")
PROFILE = "profile"


def enable_lookup(form, *, profile: bool = False):
    """Put the htmx lookup on ``form``'s NEQ field when the register was ever loaded; return
    the last load (None: no register data, nothing is offered)."""
    loaded = register.last_load()
    if loaded:
        url = reverse("enterprises:register_lookup")
        if profile:
            url += "?" + urlencode({"form": PROFILE})
        form.fields["neq"].widget.attrs.update({
            "hx-get": url, "hx-trigger": "input changed delay:400ms, change",
            "hx-target": "#register-lookup", "hx-swap": "innerHTML",
            "hx-include": ", ".join(f"#id_{name}" for name in PREFILLED),
            "hx-sync": "this:replace"})
    return loaded


def lookup(neq_text: str, typed: dict, *, replace: bool = False, profile: bool = False):
    """What the register says of ``neq_text`` against the values ``typed``: the state, the
    record, the fields to fill (name -> value) and those where the person typed otherwise."""
    try:
        neq = parse_neq(neq_text).value
    except ValidationError:
        return None
    record = register.register_lookup(neq)
    if record is None:
        return {"state": "unknown", "record": None, "fill": {}, "differing": []}
    fill, differing = {}, []
    for name, value in record.prefill().items():
        mine = (typed.get(name) or "").strip()
        if replace or not mine:
            if mine != value:
                fill[name] = value
        elif mine != value:
            differing.append(name)
    query = {"replace": "1", **({"form": PROFILE} if profile else {})}
    return {"state": "found", "record": record, "fill": fill, "differing": differing,
            "replace_url": reverse("enterprises:register_lookup") + "?" + urlencode(query)}


def page_context(form, loaded, *, profile=False):
    """The lookup shown with the whole page (a form sent back with errors, the profile form):
    it names the differences, fills nothing."""
    if not loaded:
        return None
    values = form.data if form.is_bound else {
        name: form.initial.get(name, "") for name in ("neq", *PREFILLED)}
    found = lookup(str(values.get("neq") or ""), values, profile=profile)
    if not found:
        return None
    return {**found, "filled": [], "differing": _labels(form, found["differing"])}


def _labels(form, names):
    return [str(form.fields[name].label) for name in names]


@require_GET
def register_lookup(request):
    profile = request.GET.get("form") == PROFILE
    loaded = register.last_load()
    typed = {name: request.GET.get(name, "") for name in PREFILLED}
    replace = request.GET.get("replace") == "1"
    found = lookup(request.GET.get("neq", ""), typed, replace=replace,
                   profile=profile) if loaded else None
    form = RegistrationForm(initial={**typed, **(found["fill"] if found else {})})
    if profile:
        form.fields["address"].required = False
    swapped = [form[name].as_widget(attrs={"hx-swap-oob": "true"})
               for name in (found["fill"] if found else {})]
    context = {"state": found["state"] if found else "", "loaded": loaded, "swapped": swapped,
               "replaced": replace}
    if found:
        context.update(record=found["record"], filled=_labels(form, found["fill"]),
                       differing=_labels(form, found["differing"]),
                       replace_url=found.get("replace_url"))
    return render(request, "enterprises/_register_lookup.html", context)
