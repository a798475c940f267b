"""The exchange-package endpoints against their own OpenAPI schema (schemathesis, as
api/tests/test_schemathesis.py does for the whole API, here with a real exported package
so that generated requests reach the services): no server error, every response
documented."""

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.test import Client  # noqa: E402
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.helpers import ApiClient  # noqa: E402
from exchange.packages import services as packages  # noqa: E402

from .test_package import make_outgoing  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def _keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_package_operations_conform_to_the_schema(office, _keep_test_connection, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    o = office
    doc = make_outgoing(o)
    package = packages.export_package(doc, o.clerk)
    real = {"document_id": [doc.pk], "package_id": [package.pk]}
    api = ApiClient(Client())
    callers = {"clerk": api.token(o.clerk), "dept_clerk": api.token(o.dept_clerk), "head_a": api.token(o.head_a),
               "secadmin": api.token(o.secadmin)}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [r.ok() for r in schema.get_all_operations()
                  if "exchange-package" in r.ok().path or "receipt-package" in r.ok().path]
    assert len(operations) == 6
    for operation in operations:
        @given(case=operation.as_strategy(), who=st.sampled_from(sorted(callers)), use_real=st.booleans())
        @hypothesis_settings(max_examples=8, deadline=None, derandomize=True, database=None,
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
