"""Outgoing documents standing at 分发, for the exchange tests and scenario replays.

As in test_dispatch: the drafting and sealing state is built directly (the document with
its 文号 and recipients, the body uploaded through documents.services.upload_file, a Seal
and one SealUse binding the uploaded 成品, sealing.services.seal_binding) and the process entered at 分发 through
flow.services.start_process(done_nodes=...). Dispatching then goes through
exchange.services.dispatch, signing for and refusing through the engine.
"""

from datetime import date

from documents import services as document_services
from documents.models import Direction, Document, DocumentFile, Recipient, SlipKind
from exchange.services import dispatch
from flow import services as flow
from flow.models import Task, TaskRole, TaskStatus
from org.models import Agency, AgencyKind, Unit
from sealing.models import Seal, SealUse
from sealing.services import seal_binding
from tests.factories import person

BEFORE_DISPATCH = ("draft", "review", "sign_off", "recheck", "number", "seal")
PDF = b"%PDF-1.7\n% sealed final\n%%EOF\n"


def clerk_of(agency, username: str, name: str):
    """A clerk (文书) in the agency's office (created if the agency has no office yet)."""
    office = Unit.objects.filter(agency=agency, is_office=True).first() or Unit.objects.create(
        agency=agency, name="办公室", is_office=True)
    return person(agency, name, username, "clerk", unit=office)


def dept_secretary(o):
    """The department's secretary (秘书), who takes its incoming documents at 初审."""
    office = Unit.objects.get(agency=o.dept, is_office=True)
    return person(o.dept, "何秘书", "dept_secretary", "secretary", unit=office)


def party_committee():
    """The city Party committee office with its clerk."""
    party = Agency.objects.create(name="中共示范市委办公室", short_name="市委办", code="示委办",
                                  kind=AgencyKind.PARTY_COMMITTEE)
    return party, clerk_of(party, "party_clerk", "高文书")


def outgoing(agency, clerk, *, main, copy=(), number, title="关于道路运输安全工作的通知", doc_type="通知",
             drafted_by=None, urgency="", direction="down", forwarded_from=None) -> Document:
    doc = Document.objects.create(
        agency=agency, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type=doc_type, title=title,
        drafted_by=drafted_by, doc_number=number, signer="负责人", issued_on=date(2026, 3, 6),
        writing_direction=direction, urgency=urgency, forwarded_from=forwarded_from)
    for kind, recipients in ((Recipient.Kind.MAIN, main), (Recipient.Kind.COPY, copy)):
        for position, target in enumerate(recipients):
            Recipient.objects.create(document=doc, kind=kind, agency=target, name=target.name, position=position)
    final = document_services.upload_file(actor=clerk, document=doc, name="成品.pdf", data=PDF,
                                          role=DocumentFile.Role.FINAL)
    seal = Seal.objects.filter(agency=agency).first() or Seal.objects.create(agency=agency, name=f"{agency.name}印",
                                                                             keeper=clerk)
    SealUse.objects.create(seal=seal, document=doc, doc_number=number, title=title, signers="负责人", used_by=clerk,
                           **seal_binding(doc, final))
    flow.start_process(doc, actor=clerk, done_nodes=BEFORE_DISPATCH)
    return doc


def task_of(document, person) -> Task:
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=TaskRole.MAIN)


def send(agency, clerk, **kwargs):
    """Build the outgoing document and dispatch it; returns (document, deliveries)."""
    doc = outgoing(agency, clerk, **kwargs)
    return doc, dispatch(task_of(doc, clerk).pk, actor=clerk)


def sign_for(incoming, clerk, opinion="已签收。"):
    return flow.send_on(task_of(incoming, clerk).pk, actor=clerk, opinion=opinion)
