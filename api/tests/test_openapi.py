"""The OpenAPI schema: 3.1, every endpoint present and documented with its refusals;
the docs page served offline."""

import re

import pytest

EXPECTED = {
    "/api/v1/checks": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}/revoke": {"post"},
    "/api/v1/account/password": {"post"},
    "/api/v1/account/password-resets": {"post"},
    "/api/v1/account/password-resets/pending": {"get"},
    "/api/v1/account/otp-resets": {"post"},
    "/api/v1/account/password-resets/{record_id}/second-part": {"post"},
    "/api/v1/account/locks": {"get"},
    "/api/v1/account/locks/unlock": {"post"},
    "/api/v1/dashboard": {"get"},
    "/api/v1/registered": {"get"},
    "/api/v1/registry": {"get"},
    "/api/v1/returns": {"get"},
    "/api/v1/phrases": {"get"},
    "/api/v1/audit/events": {"get"},
    "/api/v1/audit/verify": {"post"},
    "/api/v1/audit/checkpoints": {"get", "post"},
    "/api/v1/audit/public_key": {"get"},
    "/api/v1/org/agencies": {"get", "post"},
    "/api/v1/org/agencies/{agency_id}": {"patch"},
    "/api/v1/org/units": {"get", "post"},
    "/api/v1/org/units/{unit_id}": {"patch"},
    "/api/v1/org/people": {"get", "post"},
    "/api/v1/org/people/{person_id}": {"get", "patch"},
    "/api/v1/org/people/{person_id}/clearance": {"post"},
    "/api/v1/org/people/{person_id}/admin_role": {"post"},
    "/api/v1/org/posts": {"post"},
    "/api/v1/org/posts/{post_id}": {"delete"},
    "/api/v1/org/delegations": {"get", "post"},
    "/api/v1/org/delegations/{delegation_id}/cancel": {"post"},
    "/api/v1/org/import": {"post"},
    "/api/v1/org/import_posts": {"post"},
    "/api/v1/documents": {"get", "post"},
    "/api/v1/documents/direct": {"post"},
    "/api/v1/documents/{document_id}": {"get"},
    "/api/v1/documents/{document_id}/history": {"get"},
    "/api/v1/documents/{document_id}/files": {"get", "post"},
    "/api/v1/documents/{document_id}/files/{version_id}": {"get"},
    "/api/v1/documents/{document_id}/circulate": {"post"},
    "/api/v1/documents/{document_id}/reject": {"post"},
    "/api/v1/documents/{document_id}/deliveries": {"get"},
    "/api/v1/deliveries/{delivery_id}/paper-receipt": {"post"},
    "/api/v1/exchange/overview": {"get"},
    "/api/v1/exchange/box": {"get"},
    "/api/v1/documents/{document_id}/forward": {"post"},
    "/api/v1/templates": {"get"},
    "/api/v1/errorbook/entries": {"get"},
    "/api/v1/errorbook/weekly": {"get"},
    "/api/v1/errorbook/documents/{document_id}": {"get"},
    "/api/v1/errorbook/corrections": {"post"},
    "/api/v1/extensions/tasks/{task_id}/request": {"post"},
    "/api/v1/extensions/{extension_id}/decide": {"post"},
    "/api/v1/extensions/documents/{document_id}/sender": {"post"},
    "/api/v1/extensions/pending": {"get"},
    "/api/v1/extensions/documents/{document_id}": {"get"},
    "/api/v1/templates/{template_id}/nodes": {"put"},
    "/api/v1/calendar/years": {"get", "post"},
    "/api/v1/calendar/years/{year}/days": {"get"},
    "/api/v1/calendar/notice": {"post"},
    "/api/v1/calendar/days/{day}": {"patch"},
    "/api/v1/calendar/hours": {"get", "put"},
    "/api/v1/calendar/rules": {"get", "post"},
    "/api/v1/calendar/rules/{rule_id}": {"patch"},
    "/api/v1/duty/shifts": {"get", "post"},
    "/api/v1/duty/shifts/{shift_id}": {"delete"},
    "/api/v1/duty/now": {"get"},
    "/api/v1/supervision/items": {"get", "post"},
    "/api/v1/supervision/items/{item_id}": {"get"},
    "/api/v1/supervision/items/{item_id}/instructions": {"post"},
    "/api/v1/supervision/items/{item_id}/reports": {"post"},
    "/api/v1/supervision/items/{item_id}/reports/{report_id}/accept": {"post"},
    "/api/v1/supervision/items/{item_id}/reports/{report_id}/return": {"post"},
    "/api/v1/supervision/items/{item_id}/close": {"post"},
    "/api/v1/supervision/items/{item_id}/chase": {"post"},
    "/api/v1/supervision/instruct/{task_id}": {"post"},
    "/api/v1/supervision/bulletin": {"get"},
    "/api/v1/supervision/bulletin/download": {"get"},
    "/api/v1/stats/monthly": {"get"},
    "/api/v1/stats/document-control": {"get"},
    "/api/v1/search": {"get"},
    "/api/v1/deadlines/notifications": {"get"},
    "/api/v1/deadlines/notifications/read-all": {"post"},
    "/api/v1/deadlines/notifications/{notification_id}/read": {"post"},
    "/api/v1/deadlines/tasks/{task_id}/remind": {"post"},
    "/api/v1/deadlines/documents/{document_id}/remind": {"post"},
    "/api/v1/deadlines/overdue": {"get"},
    "/api/v1/deadlines/calendar/add": {"get"},
    "/api/v1/deadlines/calendar/between": {"get"},
    "/api/v1/drafts": {"post"},
    "/api/v1/drafts/{document_id}": {"get", "put"},
    "/api/v1/drafts/{document_id}/findings": {"get"},
    "/api/v1/drafts/{document_id}/findings/keep": {"post"},
    "/api/v1/drafts/{document_id}/body": {"post"},
    "/api/v1/drafts/{document_id}/body/docx": {"post"},
    "/api/v1/drafts/{document_id}/versions": {"get"},
    "/api/v1/drafts/{document_id}/diff": {"get"},
    "/api/v1/drafts/{document_id}/joint-signoffs": {"post"},
    "/api/v1/drafts/{document_id}/joint-signoff-requests": {"post"},
    "/api/v1/joint-signoffs": {"get"},
    "/api/v1/joint-signoffs/{request_id}/sign": {"post"},
    "/api/v1/joint-signoffs/{request_id}/decline": {"post"},
    "/api/v1/tasks/{task_id}/sign-off": {"post"},
    "/api/v1/tasks/{task_id}/number": {"post"},
    "/api/v1/numbers": {"get"},
    "/api/v1/numbers/{issued_id}/void": {"post"},
    "/api/v1/number-series": {"get"},
    "/api/v1/seals": {"get"},
    "/api/v1/seal-uses": {"get"},
    "/api/v1/seals/verify": {"post"},
    "/api/v1/secrecy/documents": {"get", "post"},
    "/api/v1/secrecy/documents/{document_id}/copies": {"get"},
    **{f"/api/v1/secrecy/copies/{{copy_id}}/{op}": {"post"} for op in ("issue", "sign", "pass-on", "return")},
    "/api/v1/secrecy/returns": {"post"},
    "/api/v1/secrecy/returns/overdue": {"get"},
    "/api/v1/secrecy/destructions": {"get", "post"},
    "/api/v1/secrecy/destructions/{destruction_id}/approve": {"post"},
    "/api/v1/secrecy/destructions/{destruction_id}/execute": {"post"},
    "/api/v1/documents/{document_id}/exchange-package": {"post"},
    "/api/v1/documents/{document_id}/receipt-package": {"post"},
    "/api/v1/exchange-packages": {"get"},
    "/api/v1/exchange-packages/{package_id}": {"get"},
    "/api/v1/exchange-packages/{package_id}/download": {"get"},
    "/api/v1/exchange-packages/import": {"post"},
    "/api/v1/archive/candidates": {"get"},
    "/api/v1/archive/items": {"get", "post"},
    "/api/v1/archive/items/{item_id}": {"get"},
    "/api/v1/archive/items/{item_id}/pdf": {"get"},
    "/api/v1/archive/retention-schedule": {"get", "put"},
    "/api/v1/archive/packages": {"get", "post"},
    "/api/v1/archive/packages/{package_id}/download": {"get"},
    "/api/v1/tasks/inbox": {"get"},
    "/api/v1/tasks/toread": {"get"},
    "/api/v1/tasks/done": {"get"},
    **{f"/api/v1/tasks/{{task_id}}/{op}": {"post"} for op in (
        "send_on", "complete", "return", "add_signer", "transfer", "assign", "recall", "countersign_request",
        "countersign", "resolve", "read_back", "register", "dispatch", "seal")},
}


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def test_schema_is_openapi_3_1_with_every_endpoint(schema):
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "公文系统 API"
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    assert paths == EXPECTED


def test_every_operation_is_authenticated_and_documents_its_refusals(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("security"), f"{method} {path} is not authenticated"
            assert "401" in op["responses"], f"{method} {path} does not document 401"
            if method != "get" and not path.startswith("/api/v1/audit/"):
                assert {"400", "403", "404", "422"} <= set(op["responses"]), f"{method} {path}"
            assert op.get("summary") and re.search(r"[\u4e00-\u9fff]", op["summary"]), f"{method} {path}"


def test_docs_page_is_served_offline(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html), "the docs page loads something from outside"
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code in (200, 404)  # served by staticfiles


def test_no_two_response_or_request_schemas_share_a_name():
    """django-ninja names schema components by class name: a second class of the same name
    silently replaces the first in the OpenAPI document (an endpoint then documents
    another endpoint's answer)."""
    import importlib
    import pkgutil

    from ninja import Schema

    import api.routers

    modules = [importlib.import_module("api.schemas")] + [
        importlib.import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(api.routers.__path__)]
    seen: dict[str, str] = {}
    clashes = []
    for module in modules:
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} / {module.__name__}")
                seen.setdefault(name, module.__name__)
    assert clashes == []
