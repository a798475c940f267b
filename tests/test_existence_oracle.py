"""Invisible means 404, the same as missing, everywhere (trust issue, defect 4).

For every page of the site (from the URL resolver) and every API operation (from the OpenAPI
document) that takes the id of a document, task, file version, classified copy, delivery,
seal use, notification, delegation or the like — in the path or in the request body —
the answer for a real object the caller may not see (of another agency, or a classified
document outside the caller's scope) and the answer for an id that does not exist must be
the same: the same status and the same body, less the request id. Anything else tells an
attacker that the object exists (and, as the API did, which agency it belongs to).

The walk is generated, so a page or an endpoint added later is covered the day it is added:
every integer parameter of a route and every id field of a request body must be known to
the ``KINDS`` tables below, or the test fails asking for it to be classified.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from api.tests.helpers import ApiClient
from deadlines.notify import notify
from exchange.tests.builders import dept_secretary, send
from flow.models import Task, TaskStatus
from incoming.services import IncomingData, register_incoming
from org import services as org
from secrecy.models import ClassifiedCopy
from secrecy.tests.build import people, register

pytestmark = pytest.mark.django_db

MISSING = 987654321
PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


class Scene:
    """Real objects the viewer (the city government office's director) may not see: those
    of the 交通运输局, and a 机密 document of the viewer's own agency outside his scope."""


@pytest.fixture
def scene(office):
    o = office
    s = Scene()
    s.o = o
    dept_secretary(o)
    outgoing, (delivery,) = send(o.dept, o.dept_clerk, main=[o.province], number="示交发〔2026〕5号",
                                 title="关于做好冬季道路养护工作的通知")
    incoming = register_incoming(actor=o.dept_clerk, agency=o.dept, data=IncomingData(
        title="关于报送道路运输安全情况的通知", doc_type="通知", sender_id=o.province.pk))
    with transaction.atomic():
        note = notify(o.dept_clerk, title="交通运输局内部消息", document=incoming)
    now = timezone.now()
    delegation = org.create_delegation(actor=o.dept_head, from_person=o.dept_head, to_person=o.dept_clerk,
                                       starts_at=now, ends_at=now + timedelta(days=2), reason="出差")
    ppl = people(o)
    classified = register(o, ppl)
    copy = ClassifiedCopy.objects.filter(document=classified).order_by("number").first()
    s.ids = {
        "document": incoming.pk, "outgoing": outgoing.pk, "classified": classified.pk,
        "task": Task.objects.filter(document=incoming, status=TaskStatus.OPEN).first().pk,
        "version": outgoing.files.first().versions.first().pk,
        "delivery": delivery.pk, "seal_use": outgoing.seal_uses.first().pk,
        "notification": note.pk, "delegation": delegation.pk, "copy": copy.pk,
    }
    s.viewer = o.director
    return s


# --- pages ---------------------------------------------------------------------------------------------

# The first integer parameter of a route, by the route's beginning: which object it names.
ROUTE_KINDS = {
    "documents/<int:pk>": "document", "deadlines/documents/<int:pk>": "document",
    "deadlines/tasks/<int:task_id>": "task", "deadlines/notifications/<int:pk>": "notification",
    "supervision/errorbook/correct/<int:pk>": "document", "sealing/documents/<int:pk>": "outgoing",
    "sealing/uses/<int:pk>": "seal_use", "exchange/packages/export/<int:document_id>": "outgoing",
    "exchange/packages/receipt/<int:document_id>": "document", "exchange/deliveries/<int:pk>": "delivery",
    "exchange/documents/<int:pk>": "document", "secrecy/documents/<int:pk>": "classified",
    "delegations/<int:delegation_id>": "delegation",
}
# Integer route parameters that name no document-bearing object the viewer could probe, or
# objects this scene does not build; each says why.
NOT_PROBED = {
    "deadlines/admin/": "the system administrator's pages (everyone else: 403 before any lookup)",
    "admin/": "the administrators' pages (everyone else: 403 before any lookup)",
    "deadlines/extensions/<int:extension_id>": "an extension request (covered by deadlines tests: 404 for others)",
    "supervision/<int:pk>": "supervision items (supervision.access: 404 for anyone outside the item)",
    "sealing/seals/<int:pk>": "seals are managed by the security administrator only",
    "exchange/packages/": "exchange packages and keys: office staff of the agency, 404 otherwise",
    "archive/": "archive items and packages (archive.access: 404 for anyone outside)",
    "secrecy/destructions/<int:pk>": "destruction requests (secrecy.access: 404 outside)",
    "joint-signoffs/<int:pk>": "joint sign-off requests (their agency's office only)",
    "outgoing/ledger/<int:issued_id>": "the 发文登记簿 (office staff of the agency)",
    "duty/<int:shift_id>": "the duty roster of one's own agency",
}


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _page_routes():
    routes = []
    for route in _walk(get_resolver()):
        if route.startswith(("api/", "static/", "^")) or "<int:" not in route:
            continue
        routes.append(route)
    return routes


def _fill(route: str, first: int) -> str:
    url, used = route, False
    for conv, name in PARAM.findall(route):
        token = f"<{conv + ':' if conv else ''}{name}>"
        if conv == "int" and not used:
            value, used = str(first), True
        elif conv == "int":
            value = str(MISSING)
        else:
            value = "print"
        url = url.replace(token, value, 1)
    return "/" + url


def _kind(route: str) -> str | None:
    for prefix, kind in ROUTE_KINDS.items():
        if route.startswith(prefix):
            return kind
    return None


def test_every_page_with_an_id_is_classified():
    unknown = [r for r in _page_routes() if _kind(r) is None and not r.startswith(tuple(NOT_PROBED))]
    assert not unknown, f"routes with an id the existence test does not know; add them to ROUTE_KINDS: {unknown}"


def _same(a, b) -> bool:
    return a.status_code == b.status_code and _body(a) == _body(b)


def _body(response):
    content = response.content
    try:
        data = json.loads(content)
    except ValueError:
        text = content.decode("utf-8", "replace")
        return re.sub(r"[0-9a-f]{8,}|\d{6,}", "#", text)
    if isinstance(data, dict):
        data.pop("request_id", None)
        data.pop("errors", None)  # validation details echo the input
    return data


def test_pages_answer_an_invisible_id_as_a_missing_one(client, scene):
    s = scene
    client.force_login(s.viewer.user)
    differ = []
    for route in _page_routes():
        kind = _kind(route)
        if kind is None:
            continue
        for method in ("get", "post"):
            real = getattr(client, method)(_fill(route, s.ids[kind]))
            missing = getattr(client, method)(_fill(route, MISSING))
            if real.status_code == 200 or not _same(real, missing):
                differ.append(f"{method.upper()} {route}: {real.status_code} vs {missing.status_code}")
    assert not differ, "pages that tell an invisible object from a missing one:\n" + "\n".join(differ)


# --- the API -------------------------------------------------------------------------------------------

# Id fields (path parameters and request-body properties) by name: which object they name.
FIELD_KINDS = {
    "document_id": "document", "forwarded_from_id": "document", "forwarded_document_id": "document",
    "original_id": "document", "document_ids": "document", "task_id": "task", "version_id": "version",
    "delivery_id": "delivery", "seal_use_id": "seal_use", "use_id": "seal_use", "notification_id": "notification",
    "delegation_id": "delegation", "copy_id": "copy", "copy_ids": "copy", "draft_id": "outgoing",
}
# Id fields that name things that are not secret (the directory of agencies, units and
# people is open to every signed-in person, to choose assignees), or objects this scene
# does not build (each with the module whose tests cover its 404).
NOT_PROBED_FIELDS = {
    "agency_id", "unit_id", "person_id", "to_person_id", "from_person_id", "lead_unit_id", "assist_unit_ids",
    "responsible_id", "custodian_id", "holder_id", "leader_id", "sender_id", "addressed_to_id",
    "agency_at_fault_id", "unit_at_fault_id", "next_assignee_ids", "reader_ids", "unit_ids", "people_ids",
    "person_ids", "joint_agency_ids", "number_series_id", "series_id", "template_id", "rule_id", "body_version_id",
    "token_id", "year", "page", "item_id", "extension_id", "destruction_id", "issued_id", "shift_id", "package_id",
    "key_id", "request_id", "seal_id", "record_id", "report_id", "instruction_id", "opinion_id", "activation_id",
    "to_activation_id", "signoff_id", "archive_item_id", "registration_id", "batch_id", "scope_people",
    "post_id", "parent_id", "instructed_by_id", "handler_id", "day",
}


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].split("/")[-1]
        node = schema["components"]["schemas"][name]
    if isinstance(node, dict) and "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        node = _resolve(schema, options[0]) if options else node
    return node


def _value(schema, prop: dict, name: str, probe: dict):
    prop = _resolve(schema, prop)
    if name in probe:
        return probe[name]
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    fmt = prop.get("format", "")
    if kind == "string":
        return {"date": "2026-12-08", "date-time": "2026-12-08T10:00:00+08:00", "time": "08:30"}.get(fmt, "测试内容")
    if kind == "integer":
        return max(1, prop.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return "测试"


def _body_for(schema, op, probe: dict) -> tuple[dict | None, list[str]]:
    """A minimal body with the probed id fields set; and the id fields found in it."""
    content = op.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None, []
    body_schema = _resolve(schema, media["schema"])
    props = body_schema.get("properties", {})
    required = set(body_schema.get("required", []))
    ids = [n for n in props if n.endswith(("_id", "_ids"))]
    body = {}
    for name, prop in props.items():
        if name in required or name in probe:
            value = _value(schema, prop, name, probe)
            if name.endswith("_ids") and not isinstance(value, list):
                value = [value]
            body[name] = value
    return body, ids


def test_every_api_id_field_is_classified(client, scene):
    schema = client.get("/api/v1/openapi.json").json()
    unknown = set()
    for path, ops in schema["paths"].items():
        for name in re.findall(r"{([^}]+)}", path):
            if name not in FIELD_KINDS and name not in NOT_PROBED_FIELDS:
                unknown.add(f"{path}: {name}")
        for method, op in ops.items():
            _, ids = _body_for(schema, op, {})
            for name in ids:
                if name not in FIELD_KINDS and name not in NOT_PROBED_FIELDS:
                    unknown.add(f"{method.upper()} {path}: body {name}")
    assert not unknown, f"id fields the existence test does not know; classify them: {sorted(unknown)}"


def test_the_api_answers_an_invisible_id_as_a_missing_one(client, scene):
    s = scene
    api = ApiClient(client)
    schema = client.get("/api/v1/openapi.json").json()
    differ, probed = [], 0
    for path, ops in schema["paths"].items():
        path_ids = [n for n in re.findall(r"{([^}]+)}", path)]
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _, body_ids = _body_for(schema, op, {})
            probes = [("path", n) for n in path_ids if n in FIELD_KINDS]
            probes += [("body", n) for n in body_ids if n in FIELD_KINDS]
            for where, name in probes:
                kind = FIELD_KINDS[name]
                answers = []
                for value in (s.ids[kind], MISSING):
                    url = path
                    for other in path_ids:
                        filler = value if (where == "path" and other == name) else (
                            s.ids[FIELD_KINDS[other]] if other in FIELD_KINDS else 1)
                        url = url.replace("{" + other + "}", str(filler))
                    probe = {name: [value] if name.endswith("_ids") else value} if where == "body" else {}
                    body, _ = _body_for(schema, op, probe)
                    if method == "get":
                        answers.append(api.get(s.viewer, url))
                    else:
                        answers.append(api.request(method, url, s.viewer, body if body is not None else {}))
                probed += 1
                real, missing = answers
                if real.status_code < 300 or not _same(real, missing):
                    differ.append(f"{method.upper()} {path} ({where} {name}): {real.status_code} "
                                  f"{_body(real)!r:.160} vs {missing.status_code} {_body(missing)!r:.160}")
    assert probed > 40
    assert not differ, "API operations that tell an invisible object from a missing one:\n" + "\n".join(differ)
