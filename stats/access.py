"""Who reads which statistics (统计查看范围).

- Office staff (办公室主任, 文书, 秘书, 机要员), supervisors (督查员) and leaders (主要领导,
  分管领导) of an agency: every unit and every leader of that agency.
- Office staff and supervisors of the city Party committee or government (市委/市政府,
  the offices that oversee the deployment): also every other agency using the system,
  one by one or all together.
- A division head (处长): the units they head, without the leaders' table.
- Administrators (三员) and everyone else: nothing.

The figures are counts, never documents; a person who may see an agency's figures need
not see its documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongwen.errors import PermissionDenied
from org.models import LEADER_POSTS, OFFICE_POSTS, Agency, Person, PostKind
from org.selectors import has_post, headed_unit_ids

AGENCY_WIDE = (*OFFICE_POSTS, PostKind.SUPERVISOR, *LEADER_POSTS)
DEPLOYMENT_WIDE = (*OFFICE_POSTS, PostKind.SUPERVISOR)
NAV_POSTS = frozenset({*AGENCY_WIDE, PostKind.DIVISION_HEAD})

REFUSAL = "只有办公室、督查室人员、机关领导和处室负责人可以查看统计。"


@dataclass(frozen=True)
class Scope:
    person: Person
    agency_id: int
    deployment: bool  # may read every internal agency, one by one or together
    unit_ids: frozenset[int] | None  # None: every unit of the agency; else only these

    @property
    def sees_leaders(self) -> bool:
        return self.unit_ids is None

    def allows_agency(self, agency_id: int) -> bool:
        if agency_id == self.agency_id:
            return True
        return self.deployment and Agency.objects.filter(pk=agency_id, is_internal=True).exists()

    def agencies(self):
        """The agencies the person may choose in the filter."""
        if self.deployment:
            return Agency.objects.filter(is_internal=True).order_by("sort_order", "id")
        return Agency.objects.filter(pk=self.agency_id)


def scope_for(person: Person | None) -> Scope | None:
    if person is None or person.admin_role or not person.is_active:
        return None
    if has_post(person, *AGENCY_WIDE):
        deployment = has_post(person, *DEPLOYMENT_WIDE) and person.agency.is_top_level_city_organ
        return Scope(person=person, agency_id=person.agency_id, deployment=deployment, unit_ids=None)
    if has_post(person, PostKind.DIVISION_HEAD):
        units = frozenset(headed_unit_ids(person))
        if units:
            return Scope(person=person, agency_id=person.agency_id, deployment=False, unit_ids=units)
    return None


def can_view(person: Person | None) -> bool:
    return scope_for(person) is not None


def require_scope(person: Person | None) -> Scope:
    scope = scope_for(person)
    if scope is None:
        raise PermissionDenied(REFUSAL)
    return scope
