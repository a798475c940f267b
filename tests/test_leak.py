"""No surface reveals a classified document's title to someone outside its scope (C07).

A 机密 document is registered with copies, a reading scope and some history (sign-for,
passing on, return, a destruction request and its approval). Then, as people who must not
see it — the clerk and 吴副市长 of the same agency, both with 绝密 clearance but outside
the scope, the office director who approves destruction, and a person of another agency —
every GET URL pattern of the site (found by walking the URL resolver, so pages added later
are covered automatically), every GET path of the API (from its OpenAPI document), every
Excel/print/PDF export among them, and the person's notifications are fetched; the title
and a distinctive word of it must appear nowhere, and the document's own pages are 404.
The same crawl as a reader in scope must find the title (the test can fail).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from itertools import product

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from deadlines.notify import notify
from secrecy import services
from secrecy.models import ClassifiedCopy
from secrecy.tests.build import TITLE, WORD, people, register

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("api/", "static/", "media/", "__debug__/", "admin/")
# Query strings a list, search, filter or export may read; unknown ones are ignored. A page
# echoes its query (the search box), so the queries are parts of the title that are neither
# the title nor the distinctive word: a result row would still show them.
PARTS = ("雪豹", "专项部署安排")
QUERIES = ("", f"?q={PARTS[0]}&year=2026&secrecy=机密&keyword={PARTS[1]}", f"?q={PARTS[1]}&page=1&status=&direction=incoming")


class Scene:
    pass


@pytest.fixture
def scene(office):
    o = office
    ppl = people(o)
    s = Scene()
    s.o, s.ppl = o, ppl
    doc = register(o, ppl)
    copies = {c.number: c for c in ClassifiedCopy.objects.filter(document=doc)}
    services.sign_for_copy(actor=o.handler_a, copy_id=copies["000001"].pk)
    services.pass_on(actor=o.handler_a, copy_id=copies["000001"].pk, to_person=o.leader_a, note="请阅")
    services.sign_for_copy(actor=o.leader_a, copy_id=copies["000001"].pk)
    services.sign_for_copy(actor=o.leader_a, copy_id=copies["000002"].pk)
    services.confirm_return(actor=ppl.jiyao, copy_id=copies["000003"].pk)
    d = services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[copies["000003"].pk],
                                     reason="已清退，保存期满")
    services.approve_destruction(actor=o.director, destruction_id=d.pk, opinion="同意。")
    services.request_return(actor=ppl.jiyao, agency=o.gov, year=doc.classified.year, note="年度清退")
    # A second classified document in the flow: a 机密 draft (the ordinary intake refuses
    # classified documents; they enter through the 密件 register) by 孙科员, cleared for
    # 机密, waiting at 拟稿 in his hands (its body cannot be written on this network), so the
    # lists, registries, reminders and overdue views of the flow hold it too.
    from drafting import services as drafting
    s.routed = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title=f"关于{WORD}后续保障工作的通知", main_to=["各区人民政府"], secrecy="机密",
        secrecy_term="5年", publicity="不予公开", publicity_reason="涉密"))
    # Another app telling people outside the scope about the document: the central notify()
    # must keep the title out.
    from django.db import transaction
    with transaction.atomic():
        for p in (o.clerk, o.leader_b, o.director, o.principal):
            notify(p, title=f"无人值班：收文《{doc.title}》", body=f"{doc.title}请安排专人跟进。", document=doc,
                   url=f"/documents/{doc.pk}/")
    _refresh_search()
    s.doc, s.copies, s.destruction = doc, copies, d
    s.reg = doc.classified
    return s


def _refresh_search():
    try:
        from search import indexing
    except ImportError:  # the search app is not there yet
        return
    refresh = getattr(indexing, "refresh", None)
    if refresh is not None:
        refresh(full=True)


# --- reading whatever comes back --------------------------------------------------------------

def text_of(response) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    kind = response.get("Content-Type", "")
    parts = [response.get("Content-Disposition", "")]
    if content[:2] == b"PK":
        parts.append(_zip_text(content))
    elif content[:4] == b"%PDF":
        parts.append(_pdf_text(content))
    elif "json" in kind:
        try:
            parts.append(json.dumps(json.loads(content), ensure_ascii=False))
        except ValueError:
            parts.append(content.decode("utf-8", "replace"))
    else:
        parts.append(content.decode("utf-8", "replace"))
    return "\n".join(parts)


def _zip_text(content: bytes) -> str:
    parts = []
    try:
        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(content), read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
    except Exception:  # noqa: BLE001 - not a workbook: read every member of the archive
        pass
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            parts.append(name)
            data = z.read(name)
            if data[:4] == b"%PDF":
                parts.append(_pdf_text(data))
            else:
                parts.append(data.decode("utf-8", "replace"))
    return "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(content))
    return "\n".join((page.extract_text() or "") for page in reader.pages) + str(reader.metadata or "")


def leaks(text: str) -> bool:
    return TITLE in text or WORD in text


# --- the surfaces -----------------------------------------------------------------------------

def _walk(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name or ''}", p


PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def web_urls(s) -> list[tuple[str, str, bool]]:
    """(name, url, about the document) for every GET-able route: int parameters filled with
    the classified document's pk and its related pks, str parameters with likely words."""
    ints = {"doc": s.doc.pk, "copy": s.copies["000001"].pk, "destruction": s.destruction.pk, "reg": s.reg.pk}
    urls = []
    for route, name, _ in _walk(get_resolver()):
        if route.startswith(SKIP_PREFIXES) or route.startswith("^"):
            continue
        params = PARAM.findall(route)
        if not params:
            urls += [(name, "/" + route + q, False) for q in QUERIES]
            continue
        choices = []
        for conv, pname in params:
            if conv in ("int", ""):
                if pname in ("year",):
                    choices.append([str(s.reg.year)])
                else:
                    choices.append([str(v) for v in dict.fromkeys(ints.values())])
            elif conv == "str" or conv == "slug":
                choices.append(["print", "xlsx", PARTS[0]])
            elif conv == "path":
                choices.append([str(s.doc.pk)])
            else:
                choices.append(["1"])
        for values in product(*choices):
            url = route
            for (conv, pname), value in zip(params, values, strict=True):
                url = url.replace(f"<{conv + ':' if conv else ''}{pname}>", value, 1)
            about = all(v == str(s.doc.pk) for (c, _), v in zip(params, values, strict=True) if c in ("int", ""))
            urls.append((name, "/" + url, about))
    return urls


def api_urls(client, s) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    by_name = {"copy_id": s.copies["000001"].pk, "destruction_id": s.destruction.pk}
    urls = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None or path.endswith(("/openapi.json", "/docs")):
            continue
        values = []
        for name in re.findall(r"{([^}]+)}", path):
            values.append((name, [by_name.get(name, s.doc.pk)] + ([s.copies["000001"].pk, s.destruction.pk]
                                                                   if name not in by_name else [])))
        queries = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
        qs = []
        for qname in queries:
            if qname in ("q", "query", "keyword", "search", "title", "text"):
                qs.append(f"{qname}={PARTS[0]}")
            elif qname in ("year",):
                qs.append(f"{qname}={s.reg.year}")
        for combo in product(*[v for _, v in values]) if values else [()]:
            url = path
            for (name, _), v in zip(values, combo, strict=True):
                url = url.replace("{" + name + "}", str(v))
            urls.append(url)
            if qs:
                urls.append(url + "?" + "&".join(qs))
    return urls


def crawl(client, s) -> tuple[list[str], list[str], list[tuple[str, int]]]:
    """(URLs whose answer shows the title, URLs fetched, pages about the document and their status)."""
    shown, fetched, about_doc = [], [], []
    for name, url, about in web_urls(s):
        try:
            response = client.get(url)
        except Exception as exc:  # noqa: BLE001 - a page that breaks on a made-up parameter is not a leak
            if isinstance(exc, AssertionError):
                raise
            continue
        fetched.append(url)
        if response.status_code == 200 and leaks(text_of(response)):
            shown.append(f"{name} {url}")
        if about and "document" in name:
            about_doc.append((f"{name} {url}", response.status_code))
    for url in api_urls(client, s):
        response = client.get(url)
        fetched.append(url)
        if response.status_code == 200 and leaks(text_of(response)):
            shown.append(f"api {url}")
    return shown, fetched, about_doc


def notifications_text(person) -> str:
    return "\n".join(f"{n.title} {n.body} {n.url}" for n in person.notifications.all())


@pytest.mark.parametrize("who", ["clerk", "leader_b", "director", "principal", "outsider"])
def test_nothing_leaks_to_someone_outside_the_scope(client, scene, who):
    s = scene
    person = getattr(s.o, who)
    client.force_login(person.user)
    shown, fetched, about_doc = crawl(client, s)
    assert len(fetched) > 50
    assert not shown, f"{who} sees the classified title on: {shown}"
    assert about_doc and all(status in (302, 403, 404, 405) for _, status in about_doc), about_doc
    assert ("web:document", 404) in {(u.split()[0], st) for u, st in about_doc}
    assert ("secrecy:document", 404) in {(u.split()[0], st) for u, st in about_doc}
    assert not leaks(notifications_text(person))
    if who in ("clerk", "leader_b", "director", "principal"):
        # They were told something about it — masked to 密件 and the copy number.
        assert person.notifications.filter(title__startswith="无人值班：收文密件（份号").exists()


def test_a_reader_in_scope_sees_it(client, scene):
    """The same crawl as 周副市长, who holds two copies and is in the scope, does find the
    title: the leak test can fail."""
    s = scene
    client.force_login(s.o.leader_a.user)
    shown, _, about_doc = crawl(client, s)
    names = {u.split()[0] for u in shown}
    assert {"web:document", "secrecy:document", "secrecy:ledger", "secrecy:export", "secrecy:print", "api"} <= names
    assert leaks(notifications_text(s.o.leader_a))
    assert ("secrecy:document", 200) in {(u.split()[0], st) for u, st in about_doc}


def test_the_row_form_of_the_visibility_rule_agrees_with_the_list(scene):
    """The classified scene (copies held, passed on, returned, destroyed; a 机密 draft; the
    reading scope): for everyone in the office, documents.access.visible_by_pk (row by row,
    for a primary-key lookup) gives exactly the set of visible_documents (the list form)."""
    from documents.access import visible_by_pk, visible_documents
    from org.models import Person

    for person in Person.objects.all():
        listed = set(visible_documents(person).values_list("pk", flat=True))
        assert set(visible_by_pk(person).values_list("pk", flat=True)) == listed, person.name
    assert scene.doc.pk in set(visible_by_pk(scene.o.leader_a).values_list("pk", flat=True))
    assert scene.doc.pk not in set(visible_by_pk(scene.o.leader_b).values_list("pk", flat=True))
