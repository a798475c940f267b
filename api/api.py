"""The REST API at /api/v1/ (OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs).

Everything a page can do, the API can do: each endpoint parses its input, calls one
service (or selector) and returns a typed schema. Callers authenticate with a bearer
token (``manage.py issue_token``, or POST /tokens from a page session; tokens expire) or
the page session (CSRF enforced on changes). Refusals are ``{"detail": <Chinese>,
"code": ...}`` with the status of the domain error; a document or task the caller may not
see is 404, as if it did not exist.
"""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import errors
from .auth import session_auth, token_auth
from .routers import (
    account,
    archive,
    audit,
    calendar,
    checks,
    deadlines,
    documents,
    drafting,
    duty,
    errorbook,
    exchange,
    exchange_packages,
    extensions,
    incoming,
    joint,
    org,
    sealing,
    search,
    secrecy,
    stats,
    supervision,
    tasks,
    templates,
    tokens,
    workbench,
)


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text stays readable in responses and logs."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="公文系统 API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=[token_auth, session_auth],
    renderer=ChineseJSONRenderer(),
)
errors.install(api)

api.add_router("/", tokens.router)
api.add_router("/account", account.router)
api.add_router("/", workbench.router)
api.add_router("/org", org.router)
# before /documents: POST /documents/direct must match before /documents/{document_id} (incoming.py)
api.add_router("/", incoming.router)
api.add_router("/documents", documents.router)
api.add_router("/tasks", tasks.router)
api.add_router("/templates", templates.router)
api.add_router("/audit", audit.router)
api.add_router("/deadlines", deadlines.router)
api.add_router("/calendar", calendar.router)
api.add_router("/duty", duty.router)
api.add_router("/supervision", supervision.router)
api.add_router("/errorbook", errorbook.router)
api.add_router("/stats", stats.router)
api.add_router("/search", search.router)
api.add_router("/extensions", extensions.router)
api.add_router("/checks", checks.router)
api.add_router("/", exchange.router)
api.add_router("/", exchange_packages.router)
api.add_router("/", drafting.router)
api.add_router("/", joint.router)
api.add_router("/", sealing.router)
api.add_router("/", archive.router)
api.add_router("/secrecy", secrecy.router)
