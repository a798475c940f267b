"""The lists and the document page make the same number of queries however many rows
they return (no query per row)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from flow import services as flow
from incoming.services import IncomingData, register_incoming

from .helpers import open_task


def _register(o, n: int) -> int:
    for i in range(n):
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=f"关于第{i}项工作的通知", doc_type="通知", sender_id=o.dept.pk))
        flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_b])
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    return doc.pk


def _queries(api, person, path) -> int:
    api.get(person, path)  # warm: the token's last use is written at most once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(person, path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(api, office):
    o = office
    first = _register(o, 1)
    paths = {o.director: "/tasks/inbox", o.leader_b: "/tasks/toread", o.secretary: "/tasks/done",
             o.clerk: "/documents", o.sysadmin: "/org/people"}
    one = {path: _queries(api, person, path) for person, path in paths.items()}
    page_one = _queries(api, o.clerk, f"/documents/{first}")
    last = _register(o, 4)
    five = {path: _queries(api, person, path) for person, path in paths.items()}
    assert five == one, (one, five)
    assert _queries(api, o.clerk, f"/documents/{last}") == page_one
