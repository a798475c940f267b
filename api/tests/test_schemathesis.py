"""Property-based conformance of the whole API against its own OpenAPI schema
(schemathesis, in-process through the WSGI application, on the test office).

For every operation, generated requests — with real document, task and person ids
mixed in so that they reach the services and not only the 404 path — must never
produce a server error, and every response must be documented: its status code, its
content type, its headers and its body's schema. Refusals (400/403/404/409/422) are
expected; what is checked is that they are clean JSON refusals, never a crash.
"""

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from documents.services import IncomingData, register_incoming  # noqa: E402
from flow import services as flow  # noqa: E402

from .helpers import open_task  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 8


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


@pytest.mark.django_db
def test_every_operation_conforms_to_the_schema(office, api, _keep_test_connection):
    o = office
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    real = _real_ids(o)
    callers = {"clerk": api.token(o.clerk), "secretary": api.token(o.secretary), "sysadmin": api.token(o.sysadmin),
               "secadmin": api.token(o.secadmin), "auditor": api.token(o.auditor)}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    exercised = 0
    for operation in operations:
        # Revoking the caller's own token or deactivating them would only turn the rest into 401s.
        if operation.path.endswith("/revoke") or (operation.method.upper() == "PATCH" and "people" in operation.path):
            continue

        @given(case=operation.as_strategy(), who=st.sampled_from(sorted(callers)), use_real=st.booleans())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case, who, use_real):
            if use_real:
                for name in list(case.path_parameters or {}):
                    if name in real:
                        case.path_parameters[name] = real[name][0]
            headers = {"Authorization": f"Bearer {callers[who]}"}
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
        exercised += 1
    assert exercised >= 38
