"""Who may do what with seals (印章).

* The **安全保密管理员** (admin_role ``security``) registers seals, changes their keeper and
  deactivates them — for any agency of the deployment: a seal's key pair is a security
  matter, like posts and clearances (org.access.require_grant_posts). The 系统管理员 does not
  (三员分立: one administrator, one duty). No administrator reads the seal ledger, which
  names documents.
* The **用印登记簿** (seal ledger) of an agency is read by its seal keepers (印章管理员) and its
  office staff (办公室主任、文书、秘书、机要员).
* Sealing itself is the keeper's, in person, at the 用印 node (sealing.services).
* Anyone signed in may check a sealed PDF against the ledger (验证).
"""

from __future__ import annotations

from gongwen.errors import PermissionDenied
from org.models import OFFICE_POSTS, AdminRole, PostKind
from org.selectors import has_post

LEDGER_POSTS = (PostKind.SEAL_KEEPER, *OFFICE_POSTS)


def can_manage_seals(person) -> bool:
    return person is not None and person.is_active and person.admin_role == AdminRole.SECURITY


def require_manage_seals(person) -> None:
    if not can_manage_seals(person):
        raise PermissionDenied("只有安全保密管理员可以登记、移交或停用印章。")


def can_read_ledger(person) -> bool:
    """Whether the person may read the seal ledger of their own agency."""
    return (person is not None and person.is_active and not person.admin_role
            and has_post(person, *LEDGER_POSTS))


def require_read_ledger(person) -> None:
    if not can_read_ledger(person):
        raise PermissionDenied("只有印章管理员和办公室人员可以查看用印登记簿。")


def is_keeper_of_agency(person, agency_id: int) -> bool:
    """The person keeps an active seal of the agency."""
    from .models import Seal

    return (person is not None and not person.admin_role
            and Seal.objects.filter(agency_id=agency_id, keeper=person, is_active=True).exists())
