"""A small office for tests: the city government office with its secretariat and three
divisions, a department with a second-level bureau, an enterprise and a superior.

Everything is built through models (no services) so that tests of the services start
from a known organisation without writing audit events.
"""

from dataclasses import dataclass

from org.models import Agency, AgencyKind, Person, Unit
from tests.factories import person


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
    return Office(
        gov=gov, dept=dept, bureau=bureau, enterprise=enterprise, province=province, other_gov=other_gov,
        office_unit=office_unit, secretariat=secretariat, div_a=div_a, div_b=div_b, div_c=div_c,
        clerk=person(gov, "王文书", "clerk", "clerk", unit=office_unit),
        secretary=person(gov, "李秘书", "secretary", "secretary", unit=secretariat),
        director=person(gov, "赵主任", "director", "office_director", unit=office_unit),
        principal=person(gov, "陈市长", "principal", "principal_leader"),
        leader_a=person(gov, "周副市长", "leader_a", "leader_in_charge", in_charge=[div_a, div_c]),
        leader_b=person(gov, "吴副市长", "leader_b", "leader_in_charge", in_charge=[div_b]),
        head_a=person(gov, "郑处长", "head_a", "division_head", unit=div_a),
        handler_a=person(gov, "孙科员", "handler_a", "handler", unit=div_a),
        head_b=person(gov, "冯处长", "head_b", "division_head", unit=div_b),
        handler_b=person(gov, "褚科员", "handler_b", "handler", unit=div_b),
        head_c=person(gov, "卫主任", "head_c", "division_head", unit=div_c),
        keeper=person(gov, "钱印章", "keeper", "seal_keeper", unit=office_unit),
        dept_clerk=person(dept, "蒋文书", "dept_clerk", "clerk", unit=dept_office),
        dept_head=person(dept, "沈局长", "dept_head", "principal_leader"),
        outsider=person(other_gov, "韩科员", "outsider", "handler", unit=fin_unit),
        sysadmin=person(gov, "杨系统", "sysadmin", admin_role="system"),
        secadmin=person(gov, "朱保密", "secadmin", admin_role="security"),
        auditor=person(gov, "秦审计", "auditor", admin_role="auditor"),
    )
