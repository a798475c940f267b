"""Counts and numbers leak too (trust issue, defect 3): a figure that moves when a classified
document is registered or handled tells someone outside its scope that it exists. Every
aggregate a person sees — the 待办/待阅 totals and badges, the documents they may list, the
overdue and 时限待定 counts, search totals, the monthly statistics and 控文 figures, the
registry's numbers — must be the same before and after a 机密 document is registered, its
copies handed on, and a 机密 draft written, for everyone outside its scope: office staff
cleared for 绝密, the office director, a leader, and a stand-in of a reader in scope. For a
reader in scope the figures do move (the test can fail)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from api.tests.helpers import ApiClient
from documents.models import Document
from drafting import services as drafting
from org import services as org
from secrecy import services as secrecy
from secrecy.models import ClassifiedCopy
from secrecy.tests.build import WORD, people, register
from stats import services as stats

pytestmark = pytest.mark.django_db

API = ["/tasks/inbox", "/tasks/toread", "/documents", "/deadlines/overdue", f"/search?q={WORD}",
       "/search?q=通知", "/stats/monthly", "/stats/document-control"]
PAGES = ["/", "/inbox/", "/registry/", "/deadlines/overdue/", "/stats/"]


def _numbers(data, key="") -> dict:
    """Every number in a JSON answer, by its path (lists of rows by position)."""
    out = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_numbers(v, f"{key}.{k}"))
    elif isinstance(data, list):
        out[f"{key}#len"] = len(data)
        for i, v in enumerate(data):
            out.update(_numbers(v, f"{key}[{i}]"))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out[key] = data
    return out


def _figures(client, api, person) -> dict:
    """What the person sees counted, through the API and on the pages."""
    figures = {}
    for path in API:
        r = api.get(person, path)
        if r.status_code == 200:
            data = r.json()
            numbers = _numbers(data)
            # Ids of rows differ only when rows differ; the counts are what matters.
            figures[path] = {k: v for k, v in numbers.items() if not re.search(r"\.(id|pk|[a-z_]+_id)$", k)}
        else:
            figures[path] = r.status_code
    client.force_login(person.user)
    for url in PAGES:
        r = client.get(url)
        text = r.content.decode() if r.status_code == 200 else ""
        # The tiles, the badges and the "共N件" totals.
        figures[url] = (r.status_code, re.findall(r'gw-tile-n">(\d+)<', text),
                        re.findall(r'aria-label="(\d+)件"', text), re.findall(r"共\s*(\d+)\s*[件项条]", text))
    return figures


def test_no_figure_moves_for_someone_outside_the_scope(client, office):
    o = office
    ppl = people(o)  # 孙科员 and 刘副市长 will read it; the clerk and 吴副市长 hold 绝密 outside the scope
    now = timezone.now()
    # 李科员 stands in for 孙科员, who is in the scope: the stand-in is not.
    org.create_delegation(actor=o.handler_a, from_person=o.handler_a, to_person=o.handler_b,
                          starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=3), reason="出差")
    api = ApiClient(client)
    watchers = {"clerk": o.clerk, "director": o.director, "leader_b": o.leader_b, "stand-in": o.handler_b,
                "principal": o.principal}
    year, month = stats.current_month()
    stats.compute_month(year, month)
    before = {name: _figures(client, api, p) for name, p in watchers.items()}
    reader_before = _figures(client, api, o.handler_a)

    doc = register(o, ppl)
    copies = {c.number: c for c in ClassifiedCopy.objects.filter(document=doc)}
    secrecy.sign_for_copy(actor=o.handler_a, copy_id=copies["000001"].pk)
    secrecy.pass_on(actor=o.handler_a, copy_id=copies["000001"].pk, to_person=o.leader_a, note="请阅")
    drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title=f"关于{WORD}善后工作的通知", main_to=["各区人民政府"], secrecy="机密",
        secrecy_term="5年", publicity="不予公开", publicity_reason="涉密"))
    stats.compute_month(year, month)
    assert Document.objects.exclude(secrecy="").count() == 2

    after = {name: _figures(client, api, p) for name, p in watchers.items()}
    moved = {}
    for name in watchers:
        for surface, figure in before[name].items():
            if after[name][surface] != figure:
                moved.setdefault(name, []).append(f"{surface}: {figure} → {after[name][surface]}")
    assert not moved, f"figures that moved for people outside the scope: {moved}"
    # The reader in scope does see them: their 待办 and documents grew.
    reader_after = _figures(client, api, o.handler_a)
    assert reader_after["/tasks/inbox"] != reader_before["/tasks/inbox"]
    assert reader_after["/documents"] != reader_before["/documents"]
