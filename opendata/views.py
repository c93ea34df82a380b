"""The public figures: open to everyone, signed in or not (no ``login_required``).

Every view reads the computed tables only (``selectors.published_tables``: four queries,
whatever the number of rows) and answers ``Cache-Control: public, max-age=300`` to a visitor
who is not signed in (a signed-in person's page carries their name: ``PrivatePagesMiddleware``
keeps it private). An unpublished table, or one not computed yet, is 404 everywhere."""

import csv
import io

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date

from portal.exports import neutralise
from regions.models import Region

from .models import TableKey
from .selectors import REGIONAL, last_computed, published_tables
from .suppression import HIDDEN, SMALL, THRESHOLD
from .tables import LICENCE_ID, LICENCE_SHORT, LICENCE_TITLE, LICENCE_URL, both

#: How long a shared cache or a browser may keep a public answer (seconds).
MAX_AGE = 300


def _cached(response, request, tables):
    computed = last_computed(tables)
    if computed is not None:
        response["Last-Modified"] = http_date(computed.timestamp())
    if not request.user.is_authenticated:
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


def _rule():
    from django.utils.translation import gettext_lazy

    return {
        "small": both(gettext_lazy(
            "A count under 5 (zero included) is shown “< 5” so that no person can be singled "
            "out.")),
        "hidden": both(gettext_lazy(
            "“x”: a count of 5 or more, hidden so that a count under 5 cannot be worked out by "
            "subtracting the other figures from the total.")),
    }


def index(request):
    tables = published_tables()
    return _cached(render(request, "opendata/index.html", {
        "tables": tables, "computed_at": last_computed(tables),
        "regions": Region.objects.order_by("code").values("code", "name"),
        "fictitious": any(t.table.includes_demo for t in tables),
    }), request, tables)


def region(request, code):
    found = Region.objects.filter(code=code).values("code", "name").first()
    if found is None:
        raise Http404
    tables = published_tables(keys=REGIONAL, region_code=code)
    return _cached(render(request, "opendata/region.html", {
        "region": found, "tables": tables, "computed_at": last_computed(tables),
        "fictitious": any(t.table.includes_demo for t in tables),
    }), request, tables)


def published_table(key):
    if key not in TableKey.values:
        raise Http404
    tables = published_tables(keys=[key])
    if not tables:
        raise Http404
    return tables[0]


def _licence():
    return {"id": LICENCE_ID, "title": LICENCE_TITLE, "url": LICENCE_URL}


def _publisher():
    return both(_publisher_name())


def _publisher_name():
    from django.utils.translation import gettext_lazy

    return gettext_lazy("Ministère de l’Immigration, de la Francisation et de l’Intégration")


def table_csv(request, key):
    shown = published_table(key)
    spec = shown.spec
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "code", "region_code", "label_fr", "label_en", "is_total",
                     *[c.key for c in spec.columns], "fictitious", "licence"])
    licence = f"{LICENCE_SHORT} {LICENCE_URL}"
    for row in shown.rows:
        writer.writerow([
            row.group, row.key, row.region_code, neutralise(row.label_fr),
            neutralise(row.label_en), "true" if row.is_total else "false",
            *["" if row.cells.get(c.key) is None else row.cells.get(c.key)
              for c in spec.columns],
            "true" if shown.table.includes_demo else "false", licence])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.csv"'
    return _cached(response, request, [shown])


def table_document(shown) -> dict:
    """A published table as its JSON download says it (the API's ``/figures/{key}`` too)."""
    spec = shown.spec
    return {
        "key": shown.key,
        "title": both(spec.title),
        "description": both(spec.description),
        "licence": _licence(),
        "publisher": _publisher(),
        "computed_at": shown.table.computed_at.isoformat(),
        "fictitious": shown.table.includes_demo,
        "temporal_coverage": {
            "start": shown.table.temporal_start and shown.table.temporal_start.isoformat(),
            "end": shown.table.temporal_end and shown.table.temporal_end.isoformat()},
        "suppression": {"threshold": THRESHOLD, "small": SMALL, "hidden": HIDDEN,
                        "rule": _rule()},
        "grouping": both(spec.grouping),
        "dimension": both(spec.dimension),
        "columns": [{"key": c.key, "label": both(c.label), "kind": c.kind}
                    for c in spec.columns],
        "rows": [{"group": row.group, "code": row.key, "region_code": row.region_code,
                  "label": {"fr": row.label_fr, "en": row.label_en},
                  "is_total": row.is_total,
                  "values": {c.key: row.cells.get(c.key) for c in spec.columns}}
                 for row in shown.rows],
    }


def table_json(request, key):
    shown = published_table(key)
    response = JsonResponse(table_document(shown),
                            json_dumps_params={"ensure_ascii": False, "indent": 1})
    return _cached(response, request, [shown])


def _absolute(request, path):
    base = settings.PORTAL_BASE_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def metadata(request):
    """The dataset's record in the form Données Québec harvests: a CKAN package (title,
    notes, license_id, organization, resources with url and format, temporal and spatial
    coverage, modified date), with the DCAT names of the same facts."""
    from django.utils.translation import gettext_lazy

    tables = published_tables()
    computed = last_computed(tables)
    starts = [t.table.temporal_start for t in tables if t.table.temporal_start]
    ends = [t.table.temporal_end for t in tables if t.table.temporal_end]
    fictitious = any(t.table.includes_demo for t in tables)
    title = both(gettext_lazy("Regionalisation of immigration: public figures"))
    notes = both(gettext_lazy(
        "Figures the ministry publishes on the regionalisation of immigration in Quebec, per "
        "administrative region and for Quebec: regional job opportunities, hires, "
        "regionalisation activities and settlement, action plans funded, presence of "
        "immigrants by cohort. Counts under 5 are shown “< 5”."))
    if fictitious:
        warning = both(gettext_lazy("FICTITIOUS DEMO DATA."))
        title = {lang: f"{warning[lang]} {title[lang]}" for lang in title}
        notes = {lang: f"{warning[lang]} {notes[lang]}" for lang in notes}
    resources = []
    for shown in tables:
        for fmt, mimetype in (("CSV", "text/csv"), ("JSON", "application/json")):
            url = _absolute(request, reverse(f"opendata:table_{fmt.lower()}",
                                             args=[shown.key]))
            resources.append({
                "name": both(shown.spec.title)["fr"], "name_en": both(shown.spec.title)["en"],
                "description": both(shown.spec.description)["fr"],
                "url": url, "format": fmt, "mimetype": mimetype,
                "last_modified": shown.table.computed_at.isoformat(),
                "license_id": LICENCE_ID, "fictitious": shown.table.includes_demo,
                "dcat:accessURL": url, "dct:format": fmt})
    record = {
        "name": "portail-regionalisation-chiffres-publics",
        "title": title["fr"], "title_en": title["en"],
        "notes": notes["fr"], "notes_en": notes["en"],
        "license_id": LICENCE_ID, "license_title": LICENCE_TITLE, "license_url": LICENCE_URL,
        "organization": {"name": "mifi", "title": _publisher()["fr"]},
        "language": ["fr", "en"],
        "url": _absolute(request, reverse("opendata:index")),
        "temporal_start": min(starts).isoformat() if starts else None,
        "temporal_end": max(ends).isoformat() if ends else None,
        "spatial": "Québec",
        "metadata_modified": computed.isoformat() if computed else None,
        "fictitious": fictitious,
        "tags": [{"name": "immigration"}, {"name": "régionalisation"},
                 {"name": "régions administratives"}],
        "resources": resources,
        "dcat": {"dct:title": title["fr"], "dct:description": notes["fr"],
                 "dct:license": LICENCE_URL, "dct:publisher": _publisher()["fr"],
                 "dct:modified": computed.isoformat() if computed else None,
                 "dct:temporal": {"startDate": min(starts).isoformat() if starts else None,
                                  "endDate": max(ends).isoformat() if ends else None},
                 "dct:spatial": "Québec",
                 "dcat:distribution": [{"dcat:accessURL": r["url"], "dct:format": r["format"]}
                                       for r in resources]},
    }
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False, "indent": 1})
    return _cached(response, request, tables)

