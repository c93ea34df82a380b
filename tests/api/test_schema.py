"""The OpenAPI schema is valid, its page works under the portal's Content-Security-Policy,
and every operation it lists answers as documented (a walk over the schema)."""

import re

import pytest
from django.utils import timezone
from openapi_spec_validator import validate

from opendata.models import TableKey
from opendata.services import figures_compute
from programs.models import Status
from tests.api.conftest import ApiClient, make_token
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.programs import ActionPlanFactory, ReportFactory
from tests.factories.regionalisation import OpportunityFactory, municipality
from tests.opendata.helpers import publish_all

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/openapi.json"


def test_the_schema_is_valid_openapi(client):
    response = client.get(SCHEMA)
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_documentation_page_uses_only_the_portal_s_own_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
    assert "cdn" not in html.lower()
    for source in sources:  # each is served from the portal's static files
        from django.contrib.staticfiles import finders

        assert finders.find(source.removeprefix("/static/")), source


def _objects(world):
    """One object of each kind the partner of Trois-Rivières' enterprise may read and write."""
    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region)
    user = PartnerUserFactory(organisation=enterprise.organisation)
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.IN_PROGRESS,
                             measures=1, approved_amount=10000)
    report = ReportFactory(plan=plan)
    case = CaseFactory(organisation=enterprise.organisation)
    opportunity = OpportunityFactory(enterprise=enterprise.organisation,
                                     office=world["offices"]["tr"],
                                     municipality=municipality("37067"), published=True)
    publish_all()
    figures_compute()
    return user, {"plan_id": plan.pk, "report_id": report.pk, "case_id": case.pk,
                  "opportunity_id": opportunity.pk, "key": TableKey.PLANS_BY_REGION}


def _example(schema, components):
    """A body of the documented form: the required properties, each a plausible value."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(prop, components)
                for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return timezone.localdate().isoformat()
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], components)
    return "37067"


def test_every_operation_of_the_schema_answers_as_documented(client, world):
    schema = client.get(SCHEMA).json()
    components = schema["components"]["schemas"]
    user, ids = _objects(world)
    _token, secret = make_token(user)
    api = ApiClient(secret)
    walked = 0

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
            body = None
            if "requestBody" in operation:
                body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
                body = _example(body_schema, components)
            response = api.call(method, url, body)

            documented = {int(code) for code in operation["responses"]}
            assert response.status_code in documented, (method, path, response.status_code,
                                                        response.content[:300])
            assert response.status_code != 500
            # Without a token, every operation is refused in the documented shape.
            anonymous = getattr(client, method)(url, body or {},
                                                content_type="application/json")
            assert anonymous.status_code == 401
            assert anonymous["Content-Type"] == "application/problem+json"
            walked += 1
    assert walked == 15  # 13 paths; cases and opportunities are also written with POST


def test_a_wrong_method_or_path_answers_in_the_problem_shape(client):
    wrong_method = client.delete("/api/v1/plans")
    no_such_path = client.get("/api/v1/plans-and-more")
    assert wrong_method.status_code == 405 and wrong_method["Allow"] == "GET"
    assert no_such_path.status_code == 404
    for response in (wrong_method, no_such_path):
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
