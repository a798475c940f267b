"""回执包 (exchange.packages.receipts): the agency that imported a package signs for the
document and sends a signed receipt package back; the sender imports it and the outside
delivery gets its signed receipt (source 外部交换回执).

o.dept plays the agency outside: the outgoing document of o.gov names it as a recipient by
name only (no agency link), so dispatch records it as an outside delivery named
示范市交通运输局. o.dept gets a seal with a key pair (kept by a seal keeper made here); the
security administrator registers each side's public key for the other."""

import json

import pytest

from audit.models import AuditEvent
from deadlines.models import Notification
from exchange.models import Delivery, ExchangePackage, Receipt
from exchange.packages import receipts
from exchange.packages import services as packages
from exchange.services import dispatch
from flow import services as flow
from flow.models import NodeKind
from gongwen.errors import DomainError, NotFound, PermissionDenied
from sealing import services as sealing
from tests.factories import person
from tests.helpers import open_task, refused

from .test_package import make_outgoing, members_of, rezip, trust_gov, zip_bytes


@pytest.fixture
def imported(office):
    """o.gov exported a package for its outside delivery to 示范市交通运输局; o.dept imported it."""
    o = office
    doc = make_outgoing(o, dispatched=False, main_by_name=o.dept.name)
    task = open_task(doc, o.clerk)
    assert task.node_kind == NodeKind.DISPATCH
    dispatch(task.pk, actor=o.clerk)
    delivery = Delivery.objects.get(document=doc)
    assert (delivery.channel, delivery.agency, delivery.name) == (Delivery.Channel.OUTSIDE, None, o.dept.name)
    exported = packages.export_package(doc, o.clerk)
    assert exported.delivery == delivery
    trust_gov(o)
    package = packages.import_package(o.dept, o.dept_clerk, "来文.zip", zip_bytes(exported))
    keeper = person(o.dept, "冯印章", "dept_keeper", "seal_keeper")
    seal = sealing.register_seal(actor=o.secadmin, agency=o.dept, name="示范市交通运输局印", keeper=keeper)
    packages.register_key(actor=o.secadmin, agency=o.dept, public_key=seal.public_key)
    return doc, delivery, package.document


def signed(o, incoming):
    task = open_task(incoming, o.dept_clerk)
    assert task.node_kind == NodeKind.SIGN_FOR
    flow.send_on(task.pk, actor=o.dept_clerk, opinion="已签收。")
    incoming.refresh_from_db()
    return incoming


def test_receipt_round_trip(office, imported):
    o = office
    doc, delivery, incoming = imported
    signed(o, incoming)
    package = receipts.export_receipt(incoming, o.dept_clerk)
    assert (package.direction, package.kind, package.agency, package.document) == (
        ExchangePackage.Direction.EXPORT, ExchangePackage.Kind.RECEIPT, o.dept, incoming)
    receipt = json.loads(members_of(zip_bytes(package))["receipt.json"])
    assert (receipt["回执类别"], receipt["签收人"], receipt["收文机关"], receipt["发文字号"]) == (
        "已签收", "蒋文书", o.dept.name, doc.doc_number)
    assert receipt["收文编号"] == incoming.registry_number  # given at 登记, after 签收: may still be empty

    back = packages.import_package(o.gov, o.clerk, "回执.zip", zip_bytes(package))
    assert (back.direction, back.kind, back.status, back.delivery, back.document) == (
        ExchangePackage.Direction.IMPORT, ExchangePackage.Kind.RECEIPT, ExchangePackage.Status.OK, delivery, doc)
    row = Receipt.objects.get(delivery=delivery)
    assert (row.kind, row.source, row.by_name, row.registry_number, row.by) == (
        Receipt.Kind.SIGNED, Receipt.Source.PACKAGE, "蒋文书", incoming.registry_number, o.clerk)
    assert AuditEvent.objects.filter(action="exchange.receipt_package_import").exists()
    assert Notification.objects.filter(recipient=o.clerk, document=doc, title__startswith="回执").exists()
    assert packages.contents(back)["receipt"]["签收人"] == "蒋文书"
    # Once is enough.
    with pytest.raises(DomainError, match="回执已登记"):
        packages.import_package(o.gov, o.clerk, "回执.zip", zip_bytes(package))
    assert Receipt.objects.filter(delivery=delivery).count() == 1


def test_receipt_refusals(office, imported):
    o = office
    _doc, delivery, incoming = imported
    with refused("尚未签收"):
        receipts.export_receipt(incoming, o.dept_clerk)
    signed(o, incoming)
    with refused(exc=NotFound):  # not in the document's way: looks missing
        receipts.export_receipt(incoming, o.dept_head)
    with refused("管理员", PermissionDenied):
        receipts.export_receipt(incoming, o.secadmin)
    data = zip_bytes(receipts.export_receipt(incoming, o.dept_clerk))
    members = members_of(data)
    changed = json.loads(members["receipt.json"])
    changed["签收人"] = "别人"
    tampered = rezip({**members, "receipt.json": json.dumps(changed, ensure_ascii=False).encode()})
    before = ExchangePackage.objects.filter(status="refused").count()
    with pytest.raises(DomainError, match="签名无效"):
        packages.import_package(o.gov, o.clerk, "回执.zip", tampered)
    # Imported by an agency that never exported the package it answers.
    with pytest.raises(DomainError, match="不是本机关导出的"):
        packages.import_package(o.other_gov, person(o.other_gov, "财政文书", "fin_clerk", "clerk"), "回执.zip", data)
    assert ExchangePackage.objects.filter(status="refused").count() == before + 2
    assert not Receipt.objects.filter(delivery=delivery).exists()


def test_receipt_only_for_imported_documents(office, imported):
    o = office
    doc, _delivery, _incoming = imported
    with refused("不是经外部交换包导入的收文"):
        receipts.export_receipt(doc, o.clerk)


def test_receipt_page_and_api(office, imported, client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from api.tests.helpers import ApiClient

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    o = office
    doc, delivery, incoming = imported
    signed(o, incoming)
    client.force_login(o.dept_clerk.user)
    html = client.get(reverse("web:document", args=[incoming.pk])).content.decode()
    assert "生成回执包" in html
    response = client.post(reverse("exchange_packages:receipt_export", args=[incoming.pk]))
    package = ExchangePackage.objects.get(kind="receipt")
    assert response.status_code == 302 and response.url == reverse("exchange_packages:detail", args=[package.pk])
    detail = client.get(response.url).content.decode()
    assert "回执包" in detail and "蒋文书" in detail and "签收时间" in detail
    # Through the API: a second receipt package, imported by the sender.
    api = ApiClient(Client())
    made = api.post(o.dept_clerk, f"/documents/{incoming.pk}/receipt-package", {})
    assert made.status_code == 201 and made.json()["kind"] == "receipt" and made.json()["receipt"]["签收人"] == "蒋文书"
    data = api.get(o.dept_clerk, made.json()["download_url"]).content
    back = api.upload(o.clerk, "/exchange-packages/import", {"file": SimpleUploadedFile("回执.zip", data)})
    assert back.status_code == 201, back.content
    assert (back.json()["kind"], back.json()["delivery_id"], back.json()["document_id"]) == ("receipt", delivery.pk, doc.pk)
    assert Receipt.objects.get(delivery=delivery).source == Receipt.Source.PACKAGE
