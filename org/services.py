"""State changes of the organisation. Every function takes a keyword-only ``actor``,
checks the separation of the three administrators, runs atomically and is audited."""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from audit import services as audit
from gongwen.errors import DomainError, PermissionDenied

from . import access
from .models import AdminRole, Agency, AgencyKind, Clearance, Delegation, Person, Post, PostKind, Unit
from .security import check_new_password

User = get_user_model()

AGENCY_KIND_BY_LABEL = {label: value for value, label in AgencyKind.choices}
POST_KIND_BY_LABEL = {label: value for value, label in PostKind.choices}


@transaction.atomic
def create_agency(*, actor, name, short_name, kind, code="", level="city", parent=None, is_internal=True,
                  sort_order=0) -> Agency:
    access.require_manage_org(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写机关名称。")
    if kind not in AgencyKind.values:
        raise DomainError(f"机关类别“{kind}”无效。")
    if Agency.objects.filter(name=name).exists():
        raise DomainError(f"机关“{name}”已存在。")
    if kind in (AgencyKind.BUREAU,) and parent is None:
        raise DomainError("二级局必须指定上级主管部门。")
    agency = Agency.objects.create(name=name, short_name=short_name or name, code=code, level=level, kind=kind,
                                   parent=parent, is_internal=is_internal, sort_order=sort_order)
    audit.record(actor=actor, action="org.agency.create", target=agency,
                 new={"name": name, "kind": kind, "code": code})
    return agency


@transaction.atomic
def update_agency(*, actor, agency: Agency, **changes) -> Agency:
    access.require_manage_org(actor)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    allowed = {"name", "short_name", "code", "level", "kind", "parent", "is_internal", "sort_order"}
    old = {}
    for key, value in changes.items():
        if key not in allowed:
            raise DomainError(f"字段“{key}”不可修改。")
        old[key] = getattr(agency, key)
        setattr(agency, key, value)
    if not agency.name.strip():
        raise DomainError("请填写机关名称。")
    agency.save()
    audit.record(actor=actor, action="org.agency.update", target=agency, old=old, new=changes)
    return agency


@transaction.atomic
def create_unit(*, actor, agency: Agency, name, short_name="", is_office=False, is_secretariat=False,
                sort_order=0) -> Unit:
    access.require_manage_org(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写处室名称。")
    if Unit.objects.filter(agency=agency, name=name).exists():
        raise DomainError(f"{agency.short_name}已有处室“{name}”。")
    if is_office and Unit.objects.filter(agency=agency, is_office=True).exists():
        raise DomainError(f"{agency.short_name}已指定办公室，每个机关只能有一个办公室。")
    unit = Unit.objects.create(agency=agency, name=name, short_name=short_name or name, is_office=is_office,
                               is_secretariat=is_secretariat, sort_order=sort_order)
    audit.record(actor=actor, action="org.unit.create", target=unit, new={"agency": agency.pk, "name": name})
    return unit


@transaction.atomic
def update_unit(*, actor, unit: Unit, **changes) -> Unit:
    access.require_manage_org(actor)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    allowed = {"name", "short_name", "is_office", "is_secretariat", "sort_order"}
    old = {}
    for key, value in changes.items():
        if key not in allowed:
            raise DomainError(f"字段“{key}”不可修改。")
        old[key] = getattr(unit, key)
        setattr(unit, key, value.strip() if isinstance(value, str) else value)
    if not unit.name:
        raise DomainError("请填写处室名称。")
    if Unit.objects.filter(agency_id=unit.agency_id, name=unit.name).exclude(pk=unit.pk).exists():
        raise DomainError(f"{unit.agency.short_name}已有处室“{unit.name}”。")
    if unit.is_office and Unit.objects.filter(agency_id=unit.agency_id, is_office=True).exclude(pk=unit.pk).exists():
        raise DomainError(f"{unit.agency.short_name}已指定办公室，每个机关只能有一个办公室。")
    unit.save()
    audit.record(actor=actor, action="org.unit.update", target=unit, old=old, new=changes)
    return unit


@transaction.atomic
def create_person(*, actor, agency: Agency, name, username, password, unit: Unit | None = None, title="",
                  phone="", sort_order=0) -> Person:
    access.require_manage_org(actor)
    name = (name or "").strip()
    username = (username or "").strip()
    if not name or not username:
        raise DomainError("请填写姓名和登录名。")
    if unit is not None and unit.agency_id != agency.pk:
        raise DomainError(f"处室“{unit.name}”不属于{agency.short_name}。")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"登录名“{username}”已被使用。")
    user = User(username=username)
    if password:
        check_new_password(password, user)  # the same rules as every other password (等保)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    person = Person.objects.create(user=user, name=name, agency=agency, unit=unit, title=title, phone=phone,
                                   sort_order=sort_order)
    audit.record(actor=actor, action="org.person.create", target=person,
                 new={"name": name, "username": username, "agency": agency.pk, "unit": getattr(unit, "pk", None)})
    return person


# Who asks before a person leaves their post (离岗): each guard is a dotted path to a function
# of the person that refuses (DomainError) when leaving would strand work. org sits below the
# apps that hold work, so it names them here and imports none (docs/architecture.md, seams).
LEAVING_GUARDS = ("flow.selectors.refuse_leaving_with_open_tasks",)


def _refuse_leaving(person: Person) -> None:
    for name in LEAVING_GUARDS:
        import_string(name)(person)


@transaction.atomic
def set_person_active(*, actor, person: Person, active: bool) -> Person:
    access.require_manage_org(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not active:
        _refuse_leaving(person)
    old = person.is_active
    person.is_active = active
    person.save(update_fields=["is_active"])
    person.user.is_active = active
    person.user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="org.person.active", target=person, old={"active": old}, new={"active": active})
    return person


@transaction.atomic
def update_person(*, actor, person: Person, **changes) -> Person:
    """Name, unit, title, phone, order and whether the person is at post (在岗)."""
    access.require_manage_org(actor)
    person = Person.objects.select_for_update().select_related("user", "agency").get(pk=person.pk)
    allowed = {"name", "unit", "title", "phone", "sort_order", "is_active"}
    old, new = {}, {}
    for key, value in changes.items():
        if key not in allowed:
            raise DomainError(f"字段“{key}”不可修改。")
        if key == "unit" and value is not None and value.agency_id != person.agency_id:
            raise DomainError(f"处室“{value.name}”不属于{person.agency.short_name}。")
        old[key] = getattr(person, f"{key}_id" if key == "unit" else key)
        new[key] = getattr(value, "pk", None) if key == "unit" else value
        setattr(person, key, value.strip() if isinstance(value, str) else value)
    if not person.name:
        raise DomainError("请填写姓名。")
    if "is_active" in changes and not person.is_active:
        _refuse_leaving(person)
    person.save()
    if "is_active" in changes and person.user.is_active != person.is_active:
        person.user.is_active = person.is_active
        person.user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="org.person.update", target=person, old=old, new=new)
    return person


@transaction.atomic
def grant_post(*, actor, person: Person, kind: str, unit: Unit | None = None, units_in_charge=()) -> Post:
    access.require_grant_posts(actor)
    if kind not in PostKind.values:
        raise DomainError(f"岗位“{kind}”无效。")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.admin_role:
        raise DomainError(f"{person.name}是{person.get_admin_role_display()}，管理员不得兼任业务岗位、不得阅办公文。")
    if kind == PostKind.DIVISION_HEAD and unit is None:
        raise DomainError("授予处长岗位时必须指定所在处室。")
    if unit is not None and unit.agency_id != person.agency_id:
        raise DomainError(f"处室“{unit.name}”不属于{person.agency.short_name}。")
    units_in_charge = list(units_in_charge)
    if units_in_charge and kind != PostKind.LEADER_IN_CHARGE:
        raise DomainError("只有分管领导岗位可以指定分管处室。")
    if kind == PostKind.LEADER_IN_CHARGE and not units_in_charge:
        raise DomainError("授予分管领导岗位时请至少指定一个分管处室。")
    for u in units_in_charge:
        if u.agency_id != person.agency_id:
            raise DomainError(f"分管处室“{u.name}”不属于{person.agency.short_name}。")
    if Post.objects.filter(person=person, kind=kind, unit=unit).exists():
        raise DomainError(f"{person.name}已担任该岗位。")
    post = Post.objects.create(person=person, kind=kind, agency=person.agency, unit=unit)
    if units_in_charge:
        post.units_in_charge.set(units_in_charge)
    audit.record(actor=actor, action="org.post.grant", target=post,
                 new={"person": person.pk, "kind": kind, "unit": getattr(unit, "pk", None),
                      "units_in_charge": [u.pk for u in units_in_charge]})
    return post


@transaction.atomic
def revoke_post(*, actor, post: Post) -> None:
    access.require_grant_posts(actor)
    post = Post.objects.select_for_update().get(pk=post.pk)
    audit.record(actor=actor, action="org.post.revoke", target=post,
                 old={"person": post.person_id, "kind": post.kind, "unit": post.unit_id})
    post.delete()


@transaction.atomic
def set_clearance(*, actor, person: Person, clearance: str) -> Person:
    access.require_grant_posts(actor)
    if clearance not in Clearance.values:
        raise DomainError(f"涉密等级“{clearance}”无效，应为 秘密、机密、绝密 或留空。")
    person = Person.objects.select_for_update().get(pk=person.pk)
    old = person.clearance
    person.clearance = clearance
    person.save(update_fields=["clearance"])
    audit.record(actor=actor, action="org.clearance.set", target=person, old={"clearance": old},
                 new={"clearance": clearance})
    return person


@transaction.atomic
def set_admin_role(*, actor, person: Person, role: str) -> Person:
    """Appoint one of the three administrators. Only the security administrator appoints,
    and one person never holds two roles nor any document post."""
    access.require_grant_posts(actor)
    if role not in AdminRole.values:
        raise DomainError(f"管理员角色“{role}”无效。")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if role and person.admin_role and person.admin_role != role:
        raise DomainError(f"{person.name}已是{person.get_admin_role_display()}，三员不得由同一人兼任。")
    if role and person.posts.exists():
        raise DomainError(f"{person.name}担任业务岗位，不能同时担任管理员。")
    if person.pk == actor.pk and role != AdminRole.SECURITY:
        raise DomainError("安全保密管理员不能更改自己的管理员角色。")
    old = person.admin_role
    person.admin_role = role
    person.save(update_fields=["admin_role"])
    audit.record(actor=actor, action="org.admin_role.set", target=person, old={"role": old}, new={"role": role})
    return person


def _may_arrange_stand_in(actor, person: Person) -> bool:
    """A person arranges their own stand-in; the office director of the agency may arrange
    and cancel it for them, with their recorded consent. Never an administrator (三员分立:
    a stand-in reads and acts in the delegator's name)."""
    from .selectors import has_post

    if actor is None or actor.admin_role or not actor.is_active:
        return False
    return actor.pk == person.pk or (has_post(actor, PostKind.OFFICE_DIRECTOR) and actor.agency_id == person.agency_id)


@transaction.atomic
def create_delegation(*, actor, from_person: Person, to_person: Person, starts_at, ends_at, reason="",
                      consent: str = "") -> Delegation:
    """A person names their stand-in (AB角); the office director may do it for them, recording
    the delegator's consent (who agreed, how and when). An administrator never may, and the
    stand-in must hold a post the security administrator granted (an account an
    administrator just created holds none)."""

    if actor is not None and actor.admin_role:
        raise PermissionDenied("管理员不得设置或代设委托（三员分立：受托人以委托人的名义阅办公文）。")
    if not _may_arrange_stand_in(actor, from_person):
        raise PermissionDenied("只能为自己设置委托（办公室主任可凭本人同意为本机关人员设置）。")
    consent = (consent or "").strip()
    if actor.pk != from_person.pk and not consent:
        raise DomainError(f"代{from_person.name}设置委托须记录其本人的同意（如：“本人3月8日电话同意”）。")
    if from_person.pk == to_person.pk:
        raise DomainError("不能委托给自己。")
    if to_person.agency_id != from_person.agency_id:
        raise DomainError("受托人必须是本机关人员。")
    if to_person.admin_role:
        raise DomainError("不能委托给管理员：管理员不得阅办公文。")
    if not to_person.is_active:
        raise DomainError(f"{to_person.name}已离岗，不能作为受托人。")
    if not to_person.posts.exists():
        raise DomainError(f"{to_person.name}尚未由安全保密管理员授予岗位，不能作为受托人。")
    if not starts_at or not ends_at or ends_at <= starts_at:
        raise DomainError("委托的结束时间必须晚于开始时间。")
    overlapping = Delegation.objects.filter(from_person=from_person, cancelled_at__isnull=True,
                                            starts_at__lt=ends_at, ends_at__gt=starts_at)
    if overlapping.exists():
        raise DomainError("该时段已有委托，请先撤销原委托。")
    delegation = Delegation.objects.create(from_person=from_person, to_person=to_person, starts_at=starts_at,
                                           ends_at=ends_at, reason=reason, arranged_by=actor,
                                           consent=consent[:200] if actor.pk != from_person.pk else "")
    audit.record(actor=actor, action="org.delegation.create", target=delegation,
                 new={"from": from_person.pk, "to": to_person.pk, "starts_at": starts_at, "ends_at": ends_at,
                      **({"consent": delegation.consent} if delegation.consent else {})})
    return delegation


@transaction.atomic
def cancel_delegation(*, actor, delegation: Delegation) -> Delegation:
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if not _may_arrange_stand_in(actor, delegation.from_person):
        raise PermissionDenied("只能撤销自己的委托（办公室主任可为本机关人员撤销；管理员不得撤销）。")
    if delegation.cancelled_at:
        raise DomainError("该委托已撤销。")
    delegation.cancelled_at = timezone.now()
    delegation.save(update_fields=["cancelled_at"])
    audit.record(actor=actor, action="org.delegation.cancel", target=delegation)
    return delegation


# --- CSV import ---------------------------------------------------------------------------

ORG_CSV_COLUMNS = ["机关", "机关简称", "机关代字", "机关类别", "上级机关", "处室", "处室类型", "姓名", "登录名", "职务"]
POSTS_CSV_COLUMNS = ["登录名", "岗位", "所在处室", "分管处室"]


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: {"agencies": 0, "units": 0, "people": 0, "posts": 0})
    skipped: int = 0


def _rows(text: str, columns: list[str]):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(f"CSV 缺少列：{'、'.join(missing)}。第一行应为：{','.join(columns)}")
    for number, row in enumerate(reader, start=2):
        yield number, {k: (v or "").strip() for k, v in row.items() if k}


@transaction.atomic
def import_org_csv(*, actor, text: str, default_password: str) -> ImportResult:
    """Agencies, units and people in one CSV (system administrator). All or nothing: the
    first bad row refuses the whole file, naming its line."""
    access.require_manage_org(actor)
    result = ImportResult()
    for number, row in _rows(text, ORG_CSV_COLUMNS):
        try:
            agency = Agency.objects.filter(name=row["机关"]).first()
            if agency is None:
                kind = AGENCY_KIND_BY_LABEL.get(row["机关类别"])
                if kind is None:
                    raise DomainError(f"机关类别“{row['机关类别']}”无效，应为：{'、'.join(AGENCY_KIND_BY_LABEL)}。")
                parent = None
                if row["上级机关"]:
                    parent = Agency.objects.filter(name=row["上级机关"]).first()
                    if parent is None:
                        raise DomainError(f"上级机关“{row['上级机关']}”不存在（上级机关须写在前面的行里）。")
                agency = create_agency(actor=actor, name=row["机关"], short_name=row["机关简称"], kind=kind,
                                       code=row["机关代字"], parent=parent)
                result.created["agencies"] += 1
            unit = None
            if row["处室"]:
                unit = Unit.objects.filter(agency=agency, name=row["处室"]).first()
                if unit is None:
                    unit = create_unit(actor=actor, agency=agency, name=row["处室"],
                                       is_office=row["处室类型"] == "办公室",
                                       is_secretariat=row["处室类型"] == "秘书科")
                    result.created["units"] += 1
            if row["登录名"]:
                if User.objects.filter(username=row["登录名"]).exists():
                    result.skipped += 1
                else:
                    create_person(actor=actor, agency=agency, unit=unit, name=row["姓名"], username=row["登录名"],
                                  password=default_password, title=row["职务"])
                    result.created["people"] += 1
        except DomainError as exc:
            raise DomainError(f"第 {number} 行：{exc.message}") from exc
    audit.record(actor=actor, action="org.import", target=("OrgImport", "csv"), new=result.created)
    return result


@transaction.atomic
def import_posts_csv(*, actor, text: str) -> ImportResult:
    """Posts in one CSV (security administrator)."""
    access.require_grant_posts(actor)
    result = ImportResult()
    for number, row in _rows(text, POSTS_CSV_COLUMNS):
        try:
            person = Person.objects.filter(user__username=row["登录名"]).first()
            if person is None:
                raise DomainError(f"登录名“{row['登录名']}”不存在。")
            kind = POST_KIND_BY_LABEL.get(row["岗位"])
            if kind is None:
                raise DomainError(f"岗位“{row['岗位']}”无效，应为：{'、'.join(POST_KIND_BY_LABEL)}。")
            unit = None
            if row["所在处室"]:
                unit = Unit.objects.filter(agency=person.agency, name=row["所在处室"]).first()
                if unit is None:
                    raise DomainError(f"处室“{row['所在处室']}”不存在。")
            in_charge = []
            for name in filter(None, (n.strip() for n in row["分管处室"].replace("；", ";").split(";"))):
                u = Unit.objects.filter(agency=person.agency, name=name).first()
                if u is None:
                    raise DomainError(f"分管处室“{name}”不存在。")
                in_charge.append(u)
            if Post.objects.filter(person=person, kind=kind, unit=unit).exists():
                result.skipped += 1
                continue
            grant_post(actor=actor, person=person, kind=kind, unit=unit, units_in_charge=in_charge)
            result.created["posts"] += 1
        except DomainError as exc:
            raise DomainError(f"第 {number} 行：{exc.message}") from exc
    return result
