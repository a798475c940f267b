"""Organisation: the directory for everyone signed in; changes for the three
administrators as ``org.services`` allows (系统管理员: agencies, units, people, CSV;
安全保密管理员: posts, clearances, administrator roles); delegations for everyone."""

from django.db.models import Q
from ninja import Query, Router, Status

from gongwen.errors import NotFound
from org import services
from org.access import visible_delegations
from org.models import Agency, Delegation, Person, Post, Unit

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, agency_ref, caller, person_ref, unit_ref, units_ref
from ..errors import error_responses
from ..schemas import (
    AdminRoleIn,
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    ClearanceIn,
    DelegationIn,
    DelegationOut,
    Id,
    OrgImportIn,
    OrgImportOut,
    PeopleFilterIn,
    PersonIn,
    PersonOut,
    PersonPatch,
    PostIn,
    PostOut,
    UnitIn,
    UnitOut,
    UnitPatch,
    ref,
)

router = Router(tags=["组织机构"])


def _agency(pk: int) -> Agency:
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise NotFound("未找到该机关。")
    return agency


def _unit(pk: int) -> Unit:
    unit = Unit.objects.select_related("agency").filter(pk=pk).first()
    if unit is None:
        raise NotFound("未找到该处室。")
    return unit


def _person(pk: int) -> Person:
    person = Person.objects.select_related("agency", "user").filter(pk=pk).first()
    if person is None:
        raise NotFound("未找到该人员。")
    return person


def _people():
    return Person.objects.select_related("user").prefetch_related("posts__units_in_charge")


# --- agencies ---------------------------------------------------------------------------------


@router.get("/agencies", response={200: list[AgencyOut], **error_responses(401)}, summary="机关名录")
def list_agencies(request, internal: bool | None = None):
    qs = Agency.objects.all()
    if internal is not None:
        qs = qs.filter(is_internal=internal)
    return list(qs)


@router.post("/agencies", response={201: AgencyOut, **error_responses(*ERRORS_WRITE)}, summary="新建机关（系统管理员）")
def create_agency(request, payload: AgencyIn):
    data = payload.dict()
    parent = agency_ref(data.pop("parent_id"), "上级机关")
    return Status(201, services.create_agency(actor=caller(request), parent=parent, **data))


@router.patch("/agencies/{agency_id}", response={200: AgencyOut, **error_responses(*ERRORS_WRITE)},
              summary="修改机关（系统管理员）")
def update_agency(request, agency_id: PathId, payload: AgencyPatch):
    changes = payload.dict(exclude_unset=True)
    if "parent_id" in changes:
        changes["parent"] = agency_ref(changes.pop("parent_id"), "上级机关")
    return services.update_agency(actor=caller(request), agency=_agency(agency_id), **changes)


# --- units ------------------------------------------------------------------------------------


@router.get("/units", response={200: list[UnitOut], **error_responses(401, 422)}, summary="处室名录")
def list_units(request, agency_id: Id | None = None):
    qs = Unit.objects.all()
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    return list(qs)


@router.post("/units", response={201: UnitOut, **error_responses(*ERRORS_WRITE)}, summary="新建处室（系统管理员）")
def create_unit(request, payload: UnitIn):
    data = payload.dict()
    agency = agency_ref(data.pop("agency_id"))
    return Status(201, services.create_unit(actor=caller(request), agency=agency, **data))


@router.patch("/units/{unit_id}", response={200: UnitOut, **error_responses(*ERRORS_WRITE)},
              summary="修改处室（系统管理员）")
def update_unit(request, unit_id: PathId, payload: UnitPatch):
    return services.update_unit(actor=caller(request), unit=_unit(unit_id), **payload.dict(exclude_unset=True))


# --- people -----------------------------------------------------------------------------------


@router.get("/people", response={200: list[PersonOut], **error_responses(401, 422)}, summary="人员名录")
def list_people(request, filters: Query[PeopleFilterIn]):
    qs = _people()
    if filters.agency_id is not None:
        qs = qs.filter(agency_id=filters.agency_id)
    if filters.unit_id is not None:
        qs = qs.filter(unit_id=filters.unit_id)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(user__username__contains=q))
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return list(qs)


@router.get("/people/{person_id}", response={200: PersonOut, **error_responses(*ERRORS_READ)}, summary="人员信息")
def get_person(request, person_id: PathId):
    person = _people().filter(pk=person_id).first()
    if person is None:
        raise NotFound("未找到该人员。")
    return person


@router.post("/people", response={201: PersonOut, **error_responses(*ERRORS_WRITE)}, summary="新建人员（系统管理员）")
def create_person(request, payload: PersonIn):
    data = payload.dict()
    agency = agency_ref(data.pop("agency_id"))
    unit = unit_ref(data.pop("unit_id"))
    return Status(201, services.create_person(actor=caller(request), agency=agency, unit=unit, **data))


@router.patch("/people/{person_id}", response={200: PersonOut, **error_responses(*ERRORS_WRITE)},
              summary="修改人员、设置在岗（系统管理员）")
def update_person(request, person_id: PathId, payload: PersonPatch):
    changes = payload.dict(exclude_unset=True)
    if "unit_id" in changes:
        changes["unit"] = unit_ref(changes.pop("unit_id"))
    return services.update_person(actor=caller(request), person=_person(person_id), **changes)


@router.post("/people/{person_id}/clearance", response={200: PersonOut, **error_responses(*ERRORS_WRITE)},
             summary="设置涉密等级（安全保密管理员）")
def set_clearance(request, person_id: PathId, payload: ClearanceIn):
    return services.set_clearance(actor=caller(request), person=_person(person_id), clearance=payload.clearance)


@router.post("/people/{person_id}/admin_role", response={200: PersonOut, **error_responses(*ERRORS_WRITE)},
             summary="任命或免去三员角色（安全保密管理员）")
def set_admin_role(request, person_id: PathId, payload: AdminRoleIn):
    return services.set_admin_role(actor=caller(request), person=_person(person_id), role=payload.role)


# --- posts ------------------------------------------------------------------------------------


@router.post("/posts", response={201: PostOut, **error_responses(*ERRORS_WRITE)}, summary="授予岗位（安全保密管理员）")
def grant_post(request, payload: PostIn):
    person = person_ref(payload.person_id)
    return Status(201, services.grant_post(actor=caller(request), person=person, kind=payload.kind,
                                    unit=unit_ref(payload.unit_id),
                                    units_in_charge=units_ref(payload.units_in_charge, "分管处室")))


@router.delete("/posts/{post_id}", response={204: None, **error_responses(*ERRORS_WRITE)},
               summary="撤销岗位（安全保密管理员）")
def revoke_post(request, post_id: PathId):
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        raise NotFound("未找到该岗位。")
    services.revoke_post(actor=caller(request), post=post)
    return Status(204, None)


# --- delegations ------------------------------------------------------------------------------


def _delegation_out(d: Delegation) -> dict:
    return {"id": d.pk, "from_person": ref(d.from_person), "to_person": ref(d.to_person), "starts_at": d.starts_at,
            "ends_at": d.ends_at, "reason": d.reason, "consent": d.consent, "cancelled_at": d.cancelled_at,
            "created_at": d.created_at}


@router.get("/delegations", response={200: list[DelegationOut], **error_responses(401)},
            summary="我给出和受托的委托（AB角）")
def list_delegations(request):
    me = caller(request)
    qs = (Delegation.objects.filter(Q(from_person=me) | Q(to_person=me))
          .select_related("from_person", "to_person").order_by("-starts_at", "-id"))
    return [_delegation_out(d) for d in qs]


@router.post("/delegations", response={201: DelegationOut, **error_responses(*ERRORS_WRITE)},
             summary="设置委托（本人；办公室主任凭本人同意可代设；管理员不得设置）")
def create_delegation(request, payload: DelegationIn):
    me = caller(request)
    from_person = person_ref(payload.from_person_id, "委托人") if payload.from_person_id else me
    delegation = services.create_delegation(actor=me, from_person=from_person,
                                            to_person=person_ref(payload.to_person_id, "受托人"),
                                            starts_at=payload.starts_at, ends_at=payload.ends_at,
                                            reason=payload.reason, consent=payload.consent)
    return Status(201, _delegation_out(delegation))


@router.post("/delegations/{delegation_id}/cancel", response={200: DelegationOut, **error_responses(*ERRORS_WRITE)},
             summary="撤销委托")
def cancel_delegation(request, delegation_id: PathId):
    delegation = visible_delegations(caller(request)).filter(pk=delegation_id).first()
    if delegation is None:
        raise NotFound("未找到该委托。")
    return _delegation_out(services.cancel_delegation(actor=caller(request), delegation=delegation))


# --- CSV import -------------------------------------------------------------------------------


@router.post("/import", response={200: OrgImportOut, **error_responses(*ERRORS_WRITE)},
             summary="导入组织机构 CSV（系统管理员）",
             description="列：" + ",".join(services.ORG_CSV_COLUMNS) + "。全部成功或全部不导入。")
def import_org(request, payload: OrgImportIn):
    result = services.import_org_csv(actor=caller(request), text=payload.text,
                                     default_password=payload.default_password)
    return {"created": result.created, "skipped": result.skipped}


@router.post("/import_posts", response={200: OrgImportOut, **error_responses(*ERRORS_WRITE)},
             summary="导入岗位 CSV（安全保密管理员）", description="列：" + ",".join(services.POSTS_CSV_COLUMNS) + "。")
def import_posts(request, payload: OrgImportIn):
    result = services.import_posts_csv(actor=caller(request), text=payload.text)
    return {"created": result.created, "skipped": result.skipped}
