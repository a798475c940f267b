"""A classified scene on the small test office, shared by the secrecy tests, the C07
replay and the leak test (tests/test_leak.py)."""

from dataclasses import dataclass

from documents.services import IncomingData
from org.models import Person
from secrecy import services
from secrecy.services import ClassifiedData, ScopePost
from tests.factories import person

TITLE = "关于雪豹行动专项部署安排的通知"
WORD = "雪豹行动"


def clear(p: Person, level: str) -> Person:
    Person.objects.filter(pk=p.pk).update(clearance=level)
    p.refresh_from_db()
    return p


@dataclass
class People:
    jiyao: Person
    custodian: Person


def people(o) -> People:
    """A 机要员 with 绝密 clearance, a custodian; clearances for the readers and for the
    people who must NOT see the document (the clerk and 吴副市长 hold 绝密 but are outside
    the scope)."""
    jiyao = clear(person(o.gov, "高机要", "jiyao_t", "confidential_clerk", unit=o.office_unit), "绝密")
    custodian = clear(person(o.gov, "保管员", "custodian_t", "handler", unit=o.office_unit), "绝密")
    for p, level in ((o.handler_a, "机密"), (o.head_a, "机密"), (o.leader_a, "机密"), (o.director, "机密"),
                     (o.clerk, "绝密"), (o.leader_b, "绝密"), (o.principal, "绝密"), (o.head_b, "机密")):
        clear(p, level)
    return People(jiyao, custodian)


def data(o, *, title=TITLE, secrecy="机密", numbers=("000001", "000002", "000003"), holders=None, scope=None,
         posts=(), custodian=None, doc_number="示省政办发〔2026〕30号") -> ClassifiedData:
    return ClassifiedData(
        incoming=IncomingData(title=title, doc_type="通知", sender_id=o.province.pk, doc_number=doc_number,
                              secrecy=secrecy, secrecy_term="5年"),
        copy_numbers=list(numbers),
        holders=holders if holders is not None else {"000001": o.handler_a.pk, "000002": o.leader_a.pk},
        scope_people=scope if scope is not None else [o.handler_a.pk, o.leader_a.pk],
        scope_posts=[ScopePost(k, u) for k, u in posts],
        custodian_id=custodian.pk if custodian else None,
    )


def register(o, ppl: People, **kw):
    return services.register_classified(actor=ppl.jiyao, agency=o.gov, data=data(o, **kw))
