"""A small office for tests: the city government office with its secretariat and three
divisions, a department with a second-level bureau, an enterprise and a superior.

Everything is built through models (no services) so that tests of the services start
from a known organisation without writing audit events. Nearly every test builds it, so it is
built in bulk: eight inserts for the eighteen people, their accounts, password records, posts
and units in charge (``tests.factories.person`` makes the same rows one person at a time, for
a test that adds someone).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from org.models import Agency, AgencyKind, PasswordRecord, Person, Post, Unit
from tests.factories import PASSWORD, POSTS_IN_UNIT


@dataclass
class Office:
    gov: Agency
    dept: Agency
    bureau: Agency
    enterprise: Agency
    province: Agency
    other_gov: Agency
    office_unit: Unit
    secretariat: Unit
    div_a: Unit
    div_b: Unit
    div_c: Unit
    clerk: Person
    secretary: Person
    director: Person
    principal: Person
    leader_a: Person
    leader_b: Person
    head_a: Person
    handler_a: Person
    head_b: Person
    handler_b: Person
    head_c: Person
    keeper: Person
    dept_clerk: Person
    dept_head: Person
    outsider: Person
    sysadmin: Person
    secadmin: Person
    auditor: Person

    def people(self):
        return [getattr(self, f) for f in self.__dataclass_fields__ if isinstance(getattr(self, f), Person)]


def build_office() -> Office:
    province = Agency.objects.create(name="示范省人民政府办公厅", short_name="省政府办公厅", code="示省政办",
                                     level="province", kind=AgencyKind.SUPERIOR, is_internal=False)
    gov = Agency.objects.create(name="示范市人民政府办公室", short_name="市政府办", code="示府办",
                                kind=AgencyKind.GOVERNMENT)
    dept = Agency.objects.create(name="示范市交通运输局", short_name="市交通局", code="示交", kind=AgencyKind.DEPARTMENT)
    bureau = Agency.objects.create(name="示范市公路管理局", short_name="市公路局", code="示公路",
                                   kind=AgencyKind.BUREAU, parent=dept)
    enterprise = Agency.objects.create(name="示范市城市建设投资集团有限公司", short_name="市城投集团", code="示城投",
                                       kind=AgencyKind.ENTERPRISE)
    other_gov = Agency.objects.create(name="示范市财政局", short_name="市财政局", code="示财",
                                      kind=AgencyKind.DEPARTMENT)
    office_unit = Unit.objects.create(agency=gov, name="办公室", is_office=True)
    secretariat = Unit.objects.create(agency=gov, name="秘书科", is_secretariat=True)
    div_a = Unit.objects.create(agency=gov, name="综合一处")
    div_b = Unit.objects.create(agency=gov, name="综合二处")
    div_c = Unit.objects.create(agency=gov, name="督查室")
    dept_office = Unit.objects.create(agency=dept, name="办公室", is_office=True)
    fin_unit = Unit.objects.create(agency=other_gov, name="预算处")
    # (field, agency, name, username, posts, unit, units in charge, admin role)
    people = [
        ("clerk", gov, "王文书", "clerk", ["clerk"], office_unit, (), ""),
        ("secretary", gov, "李秘书", "secretary", ["secretary"], secretariat, (), ""),
        ("director", gov, "赵主任", "director", ["office_director"], office_unit, (), ""),
        ("principal", gov, "陈市长", "principal", ["principal_leader"], None, (), ""),
        ("leader_a", gov, "周副市长", "leader_a", ["leader_in_charge"], None, (div_a, div_c), ""),
        ("leader_b", gov, "吴副市长", "leader_b", ["leader_in_charge"], None, (div_b,), ""),
        ("head_a", gov, "郑处长", "head_a", ["division_head"], div_a, (), ""),
        ("handler_a", gov, "孙科员", "handler_a", ["handler"], div_a, (), ""),
        ("head_b", gov, "冯处长", "head_b", ["division_head"], div_b, (), ""),
        ("handler_b", gov, "褚科员", "handler_b", ["handler"], div_b, (), ""),
        ("head_c", gov, "卫主任", "head_c", ["division_head"], div_c, (), ""),
        ("keeper", gov, "钱印章", "keeper", ["seal_keeper"], office_unit, (), ""),
        ("dept_clerk", dept, "蒋文书", "dept_clerk", ["clerk"], dept_office, (), ""),
        ("dept_head", dept, "沈局长", "dept_head", ["principal_leader"], None, (), ""),
        ("outsider", other_gov, "韩科员", "outsider", ["handler"], fin_unit, (), ""),
        ("sysadmin", gov, "杨系统", "sysadmin", [], None, (), "system"),
        ("secadmin", gov, "朱保密", "secadmin", [], None, (), "security"),
        ("auditor", gov, "秦审计", "auditor", [], None, (), "auditor"),
    ]
    hashed = make_password(PASSWORD)  # one hash for all: the same password, as factories.person sets
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=username, password=hashed) for _f, _a, _n, username, *_ in people])
    # The test password counts as the person's own (org.passwords), as factories.person does.
    PasswordRecord.objects.bulk_create([PasswordRecord(user=u, by_owner=True, password_hash=hashed) for u in users])
    persons = Person.objects.bulk_create([
        Person(user=user, name=name, agency=agency, unit=unit, admin_role=admin_role)
        for user, (_f, agency, name, _u, _p, unit, _c, admin_role) in zip(users, people, strict=True)])
    posts, in_charge = [], []
    for p, (_f, agency, _n, _u, kinds, unit, charge, _r) in zip(persons, people, strict=True):
        for kind in kinds:
            posts.append(Post(person=p, kind=kind, agency=agency, unit=unit if kind in POSTS_IN_UNIT else None))
            in_charge.append(charge if kind == "leader_in_charge" else ())
    posts = Post.objects.bulk_create(posts)
    Post.units_in_charge.through.objects.bulk_create([
        Post.units_in_charge.through(post_id=post.pk, unit_id=unit.pk)
        for post, units in zip(posts, in_charge, strict=True) for unit in units])
    return Office(
        gov=gov, dept=dept, bureau=bureau, enterprise=enterprise, province=province, other_gov=other_gov,
        office_unit=office_unit, secretariat=secretariat, div_a=div_a, div_b=div_b, div_c=div_c,
        **{field: p for p, (field, *_rest) in zip(persons, people, strict=True)},
    )
