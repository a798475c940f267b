"""The statistics page, its Excel export and the API: who sees what, the same numbers in
all three, no external resources, and recomputation of a stale month on reading."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from flow import services as flow
from stats import services
from stats.models import AgencyMonthStat, UnitMonthStat
from tests.auth import sign_in
from tests.helpers import open_task

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = "year=2026&month=3"


def login(client, person):
    sign_in(client, person)
    return client


def cells_of(html: str, table: str, label: str) -> list[str]:
    """The cells of a row of a table of the page, by its label."""
    body = html.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        if re.search(rf"<th[^>]*>\s*{re.escape(label)}\s*</th>", row):
            return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row {label} in {table}")


def test_who_sees_what(client, march):
    o = march.office
    march.move(at(2026, 4, 2, 9, 0))
    assert client.get(f"/stats/?{MARCH}").status_code == 302  # anonymous: to the login page
    for person in (o.sysadmin, o.secadmin, o.auditor, o.handler_a, o.outsider):
        assert login(client, person).get(f"/stats/?{MARCH}").status_code == 403, person.name
        assert client.get(f"/stats/export.xlsx?{MARCH}").status_code == 403
        assert client.get(f"/api/v1/stats/monthly?{MARCH}").status_code == 403
        assert "统计</a>" not in client.get("/").content.decode()

    # Office, supervisor, leaders: the whole agency, leaders' table included.
    for person in (o.director, o.clerk, o.secretary, march.supervisor, o.principal, o.leader_a):
        r = login(client, person).get(f"/stats/?{MARCH}")
        assert r.status_code == 200, person.name
        html = r.content.decode()
        assert 'data-table="units"' in html and 'data-table="leaders"' in html and 'data-table="sign_for"' in html
        assert "综合二处" in html and "周副市长" in html
        assert 'href="/stats/"' in client.get("/").content.decode()  # the nav item

    # A division head: their own unit only, no leaders.
    html = login(client, o.head_a).get(f"/stats/?{MARCH}").content.decode()
    assert "综合一处" in html and "综合二处" not in html and 'data-table="leaders"' not in html
    assert login(client, o.head_a).get(f"/stats/?{MARCH}&unit={o.div_b.pk}").status_code == 403
    assert client.get(f"/api/v1/stats/monthly?{MARCH}&unit={o.div_b.pk}").status_code == 403

    # The city government office may read another agency, and all of them together; a
    # department's office only its own.
    login(client, o.director)
    assert client.get(f"/stats/?{MARCH}&agency={o.dept.pk}").status_code == 200
    r = client.get(f"/stats/?{MARCH}&agency=all")
    assert r.status_code == 200 and 'data-table="agencies"' in r.content.decode()
    assert client.get(f"/stats/?{MARCH}&agency={o.province.pk}").status_code == 403  # not using the system
    assert login(client, o.dept_clerk).get(f"/stats/?{MARCH}").status_code == 200
    assert client.get(f"/stats/?{MARCH}&agency={o.gov.pk}").status_code == 403
    assert client.get(f"/stats/?{MARCH}&agency=all").status_code == 403
    assert client.get(f"/api/v1/stats/monthly?{MARCH}&agency=all").status_code == 403
    # The leader of the government reads the government only.
    assert login(client, o.principal).get(f"/stats/?{MARCH}&agency={o.dept.pk}").status_code == 403


def test_page_export_and_api_show_the_same_numbers(client, march):
    o = march.office
    march.move(at(2026, 4, 2, 9, 0))
    login(client, o.director)
    r = client.get(f"/stats/?{MARCH}")
    html = r.content.decode()
    row = UnitMonthStat.objects.get(unit=o.div_a, year=2026, month=3)
    cells = cells_of(html, "units", "综合一处")
    assert cells[:8] == [str(v) for v in (row.received, row.finished, row.on_time, row.late_original,
                                          row.late_extended, row.returned, row.open_end, row.overdue_end)]
    assert cells[10] == "66.7%" and cells[11] == "100.0%"
    assert cells_of(html, "unit_documents", "综合二处")[:5] == ["1", "1", "0", "1", "1"]
    assert cells_of(html, "sign_for", "市政府办") == ["6", "5", "1", "1", "1"]
    assert cells_of(html, "leaders", "周副市长")[:2] == ["3", "3"]

    # Excel: a sheet per table, the same figures.
    r = client.get(f"/stats/export.xlsx?{MARCH}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["处室办件统计", "处室主办公文统计", "领导批示统计", "签收统计", "控文统计（发文数量）",
                             "拟办意见照准情况", "各领导批示拟办意见照准情况（本年）"]
    rows = {r[0]: r[1:] for r in wb["处室办件统计"].iter_rows(min_row=4, values_only=True) if r and r[0]}
    assert list(rows["综合一处"][:8]) == [3, 2, 2, 1, 0, 0, 1, 1]
    assert rows["综合一处"][10] == 66.7
    assert rows["合计"][0] == sum(u.received for u in UnitMonthStat.objects.filter(agency=o.gov, year=2026, month=3))
    signing = [r for r in wb["签收统计"].iter_rows(values_only=True) if r and r[0] == "市政府办"]
    assert list(signing[0][1:]) == [6, 5, 1, 1, 1]

    # API: the same tables as JSON.
    data = client.get(f"/api/v1/stats/monthly?{MARCH}").json()
    assert data["agency"]["id"] == o.gov.pk and (data["year"], data["month"]) == (2026, 3)
    unit = next(u for u in data["units"] if u["unit"]["id"] == o.div_a.pk)
    assert (unit["received"], unit["finished"], unit["late_original"], unit["overdue_end"]) == (3, 2, 1, 1)
    assert unit["completion_rate"] == pytest.approx(2 / 3)
    assert data["summary"]["sign_for_waiting_late"] == 1
    assert {x["leader"]["name"] for x in data["leaders"]} >= {"周副市长", "吴副市长", "陈市长"}
    assert data["trend"][-1]["year"] == 2026 and data["trend"][-1]["month"] == 3
    # Deployment-wide, as JSON.
    data = client.get(f"/api/v1/stats/monthly?{MARCH}&agency=all").json()
    assert data["agency"] is None and len(data["agencies"]) == AgencyMonthStat.objects.filter(
        year=2026, month=3).count()
    # A month to come, and a unit of another agency, are refused in Chinese.
    r = client.get("/api/v1/stats/monthly?year=2026&month=5")
    assert r.status_code == 400 and "尚未开始" in r.json()["detail"]
    r = client.get(f"/api/v1/stats/monthly?{MARCH}&unit=999999")
    assert r.status_code == 400 and "处室" in r.json()["detail"]
    r = client.get("/stats/?year=2026&month=5")
    assert r.status_code == 400 and "尚未开始" in r.content.decode()


def test_page_has_no_external_resources_and_works_at_phone_width(client, march):
    o = march.office
    march.move(at(2026, 4, 2, 9, 0))
    login(client, o.director)
    for url in (f"/stats/?{MARCH}", f"/stats/?{MARCH}&agency=all"):
        html = client.get(url).content.decode()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html), "external resource"
        assert "https://" not in html and "http://" not in html
        assert '/static/vendor/echarts/echarts.min.js' in html and "/static/stats/stats.js" in html
        assert 'name="viewport"' in html and "table-responsive" in html
        # Charts are described for screen readers and reachable by keyboard.
        assert html.count('role="img" tabindex="0"') == 2
        assert 'id="stats-charts"' in html
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/echarts/echarts.min.js") and finders.find("vendor/echarts/LICENSE")
    assert finders.find("stats/stats.js")


def test_reading_recomputes_a_stale_month_under_way(client, march):
    o = march.office
    march.move(at(2026, 3, 24, 10, 0))
    login(client, o.director)
    client.get("/stats/")
    first = AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3)
    assert first.sign_for_waiting == 1
    # The office signs for the waiting document; five minutes later the page still shows
    # the rows of five minutes ago...
    march.move(at(2026, 3, 24, 10, 5))
    flow.send_on(open_task(march.docs["direct"], o.clerk).pk, actor=o.clerk, opinion="已签收。")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/stats/")
    assert AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3).computed_at == first.computed_at
    assert len(ctx.captured_queries) < 30
    # ...ten minutes after computing it, the page recomputes the agency's month first.
    march.move(at(2026, 3, 24, 10, 11))
    html = client.get("/stats/").content.decode()
    fresh = AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3)
    assert fresh.computed_at > first.computed_at and fresh.sign_for_waiting == 0
    assert cells_of(html, "sign_for", "市政府办")[3] == "0"
    # Only the agency read was recomputed.
    assert not AgencyMonthStat.objects.filter(agency=o.dept, year=2026, month=3).exists()


def test_past_month_computed_after_its_end_is_final(client, march):
    o = march.office
    march.move(at(2026, 4, 2, 9, 0))
    services.compute_month(2026, 3)
    computed = AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3).computed_at
    march.move(at(2026, 6, 1, 9, 0))
    login(client, o.director).get(f"/stats/?{MARCH}")
    assert AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3).computed_at == computed
