"""Who may see and do what with supervision items (督办事项).

The supervision office (督查员 and the 办公室主任), the office staff and the leaders see
every item of their agency; everyone else sees the items they are party to: as the
responsible person, a member or head of the lead or an assisting unit, the leader who
instructed, the person who opened it. Administrators see none (三员分立). An item the
person may not see answers 404, the same as a missing one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongwen.errors import NotFound, PermissionDenied
from org.models import LEADER_POSTS, OFFICE_POSTS, Person, PostKind
from org.selectors import has_post, headed_unit_ids, unit_heads

from .models import SupervisionItem

ITEM_NOT_FOUND = "未找到该督办事项或您无权查看。"

# The supervision office: it opens items from documents, reviews final reports, closes, chases.
SUPERVISION_OFFICE = (PostKind.SUPERVISOR, PostKind.OFFICE_DIRECTOR)


def _usable(person: Person | None) -> bool:
    return person is not None and person.is_active and not person.admin_role


def sees_all(person: Person | None) -> bool:
    """Supervisors, office staff and leaders see every item of their agency."""
    return _usable(person) and has_post(person, *SUPERVISION_OFFICE, *OFFICE_POSTS, *LEADER_POSTS)


def is_supervision_office(person: Person | None, agency_id: int) -> bool:
    return _usable(person) and person.agency_id == agency_id and has_post(person, *SUPERVISION_OFFICE)


def is_leader(person: Person | None, agency_id: int) -> bool:
    return _usable(person) and person.agency_id == agency_id and has_post(person, *LEADER_POSTS)


def visible_items(person: Person | None) -> QuerySet[SupervisionItem]:
    """The one restriction every list, export, bulletin and API call goes through."""
    if not _usable(person):
        return SupervisionItem.objects.none()
    base = SupervisionItem.objects.filter(agency_id=person.agency_id)
    if sees_all(person):
        return base
    units = set(headed_unit_ids(person))
    if person.unit_id:
        units.add(person.unit_id)
    party = (Q(responsible=person) | Q(opened_by=person) | Q(instructed_by=person)
             | Q(lead_unit_id__in=units) | Q(assist_units__in=units))
    ids = base.filter(party).values("pk")
    return base.filter(pk__in=ids)


def get_visible(person: Person | None, pk) -> SupervisionItem:
    try:
        return visible_items(person).select_related(
            "agency", "lead_unit", "responsible", "instructed_by", "opened_by", "document", "closed_by").get(pk=pk)
    except (SupervisionItem.DoesNotExist, ValueError, TypeError):
        raise NotFound(ITEM_NOT_FOUND) from None


def require_visible(person: Person | None, item: SupervisionItem) -> None:
    if not visible_items(person).filter(pk=item.pk).exists():
        raise NotFound(ITEM_NOT_FOUND)


def can_open(person: Person | None, agency_id: int) -> bool:
    """Leaders (when instructing), the supervisors and the office director open items."""
    return is_supervision_office(person, agency_id) or is_leader(person, agency_id)


def require_open(person: Person | None, agency) -> None:
    if person is None:
        raise PermissionDenied("请先登录。")
    if person.admin_role:
        raise PermissionDenied("管理员不得办理督办事项。")
    if not can_open(person, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的领导、督查员或办公室主任可以立项督办。")


def require_office(person: Person | None, item: SupervisionItem, what: str) -> None:
    """Review, close: the supervision office of the item's agency."""
    require_visible(person, item)
    if not is_supervision_office(person, item.agency_id):
        raise PermissionDenied(f"只有督查室（督查员）或办公室主任可以{what}。")


def can_chase(person: Person | None, item: SupervisionItem) -> bool:
    return is_supervision_office(person, item.agency_id) or is_leader(person, item.agency_id)


def reporters(item: SupervisionItem) -> list[Person]:
    """Who reports for the lead unit: its heads, its handlers and the responsible person."""
    people = list(unit_heads(item.lead_unit))
    people += list(Person.objects.filter(is_active=True, admin_role="", posts__kind=PostKind.HANDLER,
                                         posts__unit=item.lead_unit).distinct())
    people.append(item.responsible)
    return list(dict.fromkeys(people))


def can_report(person: Person | None, item: SupervisionItem) -> bool:
    if not _usable(person) or person.agency_id != item.agency_id:
        return False
    if person.pk == item.responsible_id:
        return True
    if item.lead_unit_id in headed_unit_ids(person):
        return True
    return person.posts.filter(kind=PostKind.HANDLER, unit_id=item.lead_unit_id).exists()


def require_report(person: Person | None, item: SupervisionItem) -> None:
    require_visible(person, item)
    if not can_report(person, item):
        raise PermissionDenied(f"只有牵头单位{item.lead_unit.name}的负责人、承办人或责任人{item.responsible.name}"
                               "可以报送督办事项的办理情况。")
