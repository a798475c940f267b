"""Property-based runs of the whole API against its own OpenAPI schema (schemathesis,
in-process through the WSGI application, on the test office), and the inputs that once
produced a server error.

No input may produce a 500 (trust issue, defect 6): for every operation, generated
requests — with real document, task and person ids mixed in so that they reach the
services and not only the 404 path — are sent as office staff (the registry clerk, the
office director) and as an outsider (a person of another agency), and no answer may be a
5xx. A second run, as the clerk, the secretary and the three administrators, checks that
every response is documented: its status code, its content type, its headers and its
body's schema. Refusals (400/403/404/409/422/429) are expected; what is checked is that
they are clean JSON refusals, never a crash.

Hypothesis runs derandomized (the same examples every run) and without its example
database, a few examples per operation, so the module stays within a few minutes.
"""

import functools
from datetime import datetime
from typing import Annotated, get_args, get_origin
from zoneinfo import ZoneInfo

import pytest
import time_machine

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pydantic import AfterValidator, BaseModel  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.api import api as gongwen_api  # noqa: E402
from api.schemas import LocalDateTime  # noqa: E402
from flow import services as flow  # noqa: E402
from incoming.services import IncomingData, register_incoming  # noqa: E402

from .helpers import open_task  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 4
NO_5XX_EXAMPLES_PER_OPERATION = 5

# Operations that change the caller's own credentials (revoke a token, a wrong old password
# counting towards the lockout, deactivating a person) run last, so that they cannot turn
# the rest of the run into 401s.
SELF_AFFECTING = ("/revoke", "/account/password", "/tokens")


def _real_ids(o) -> dict[str, list[int]]:
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展安全生产大检查的通知", doc_type="通知", sender_id=o.dept.pk))
    flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_b])
    screen = open_task(doc, o.secretary)
    return {
        "document_id": [doc.pk], "task_id": [screen.pk, open_task(doc, o.leader_b, "circulate").pk],
        "person_id": [o.handler_a.pk, o.leader_a.pk], "agency_id": [o.dept.pk], "unit_id": [o.div_b.pk],
    }


@pytest.fixture
def _keep_test_connection():
    """The raw WSGI application closes the database connection at the end of each request
    (Django's test client suspends this); inside a test transaction that would end it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@functools.cache
def _operations() -> tuple:
    """The API's operations from its own OpenAPI document (loaded once: it takes a while)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    def last(operation):
        affects_self = any(part in operation.path for part in SELF_AFFECTING) or (
            operation.method.upper() == "PATCH" and "people" in operation.path)
        return affects_self

    return tuple(sorted(operations, key=last))  # stable: the schema's order otherwise


def _cases(operation, negative: bool):
    """Requests the schema allows, and with ``negative`` also requests it does not (wrong
    types, missing fields, values out of range): no input at all may produce a 500."""
    valid = operation.as_strategy(GenerationMode.POSITIVE)
    return st.one_of(valid, operation.as_strategy(GenerationMode.NEGATIVE)) if negative else valid


def _run(operation, callers, real, checks, examples, negative=False):
    @given(case=_cases(operation, negative), who=st.sampled_from(sorted(callers)), use_real=st.booleans())
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case, who, use_real):
        if use_real:
            for name in list(case.path_parameters or {}):
                if name in real:
                    case.path_parameters[name] = real[name][0]
        headers = {"Authorization": f"Bearer {callers[who]}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.mark.django_db
def test_no_operation_answers_5xx_to_office_staff_or_an_outsider(office, api, _keep_test_connection):
    o = office
    real = _real_ids(o)
    callers = {"clerk": api.token(o.clerk), "director": api.token(o.director), "outsider": api.token(o.outsider)}
    failures = []
    operations = _operations()
    for operation in operations:
        try:
            _run(operation, callers, real, [not_a_server_error], NO_5XX_EXAMPLES_PER_OPERATION, negative=True)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures listed at the end
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "server errors:\n" + "\n\n".join(failures)


@pytest.mark.django_db
def test_every_operation_conforms_to_the_schema(office, api, _keep_test_connection):
    o = office
    real = _real_ids(o)
    callers = {"clerk": api.token(o.clerk), "secretary": api.token(o.secretary), "sysadmin": api.token(o.sysadmin),
               "secadmin": api.token(o.secadmin), "auditor": api.token(o.auditor)}
    failures, exercised = [], 0
    for operation in _operations():
        # Revoking the caller's own token or deactivating them would only turn the rest into 401s.
        if operation.path.endswith("/revoke") or (operation.method.upper() == "PATCH" and "people" in operation.path):
            continue
        try:
            _run(operation, callers, real, CHECKS, EXAMPLES_PER_OPERATION)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures listed at the end
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        exercised += 1
    assert exercised >= 38
    assert not failures, "responses that differ from the schema:\n" + "\n\n".join(failures)


# --- times without a UTC offset (naive datetimes) --------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))



def _datetime_inputs(tp, metadata, where, seen):
    """(where, is LocalDateTime) for every datetime in an operation's input model."""
    if get_origin(tp) is Annotated:
        base, *meta = get_args(tp)
        yield from _datetime_inputs(base, [*metadata, *meta], where, seen)
    elif tp is datetime:
        local = [v.func for v in get_args(LocalDateTime)[1:]]
        yield where, any(isinstance(m, AfterValidator) and m.func in local for m in metadata)
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return
        for name, field in tp.model_fields.items():
            yield from _datetime_inputs(field.annotation, field.metadata, f"{where}.{name}", seen | {tp})
    else:
        for arg in get_args(tp):
            yield from _datetime_inputs(arg, metadata, where, seen)


def test_every_time_the_api_takes_is_read_as_beijing_time_when_naive():
    inputs = []
    for router in gongwen_api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.models:
                    where = f"{'/'.join(operation.methods)} {router.prefix}{path}"
                    inputs += _datetime_inputs(model, [], where, frozenset())
    assert len(inputs) >= 10  # the walk sees the datetime inputs at all
    naked = [where for where, local in inputs if not local]
    assert not naked, f"datetime inputs that are not LocalDateTime (api/schemas.py): {naked}"


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_time_without_offset_is_beijing_time(api, office):
    o = office
    aware = api.get(o.clerk, "/deadlines/calendar/between",
                    {"start": "2026-03-09T09:00:00+08:00", "end": "2026-03-09T11:00:00+08:00"})
    naive = api.get(o.clerk, "/deadlines/calendar/between", {"start": "2026-03-09T09:00", "end": "2026-03-09T11:00"})
    assert naive.status_code == aware.status_code == 200, naive.content
    assert naive.json() == aware.json()
    assert _instant(naive.json()["start"]) == datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    added = api.get(o.clerk, "/deadlines/calendar/add", {"start": "2026-03-09T09:00", "amount": 2,
                                                         "unit": "work_hours"})
    assert added.status_code == 200 and _instant(added.json()["start"]) == datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    shift = api.post(o.clerk, "/duty/shifts", {"person_id": o.director.pk, "starts_at": "2026-10-01T08:00:00",
                                               "ends_at": "2026-10-02T08:00:00"})
    assert shift.status_code == 201, shift.content
    assert _instant(shift.json()["starts_at"]) == datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI)
    registered = api.post(o.clerk, "/documents", {"title": "关于开展安全检查的通知", "doc_type": "通知",
                                                  "sender_id": o.dept.pk, "received_at": "2026-03-02T08:30",
                                                  "sender_deadline": "2026-03-20T17:00"})
    # 08:30 Beijing time is before now (09:00); read as UTC it would be 16:30, in the future.
    assert registered.status_code == 201, registered.content
    assert _instant(registered.json()["received_at"]) == datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00",
                                   "1899-12-31T23:59:59"])
def test_a_time_outside_working_life_is_refused_422(api, office, value):
    response = api.get(office.clerk, "/deadlines/calendar/between", {"start": value, "end": "2026-03-09T11:00"})
    assert response.status_code == 422
    assert "开始时间超出可接受的时间范围" in response.json()["detail"]
    assert response.json()["request_id"] == response["X-Request-ID"]
