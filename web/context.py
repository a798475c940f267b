"""Navigation context for every page: who is signed in, what they may open, and the
counts of the badges. Cheap on purpose: one query for the posts, one for both counts, one
for the unread notifications
(the person row itself is loaded once per request through ``request.user.person``)."""

from deadlines.models import Notification
from deadlines.overdue import OVERDUE_POSTS
from flow.selectors import open_counts
from org.models import OFFICE_POSTS, AdminRole, PostKind
from stats.access import NAV_POSTS as STATS_POSTS


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    person = getattr(user, "person", None)
    if person is None:
        return {"nav": {"person": None}}
    kinds = getattr(person, "_post_kinds_cache", None)
    if kinds is None:
        kinds = set(person.posts.values_list("kind", flat=True))
        person._post_kinds_cache = kinds  # org.selectors.has_post reuses it
    nav = {
        "person": person,
        "posts": "、".join(PostKind(k).label for k in PostKind.values if k in kinds),
        "is_admin": bool(person.admin_role),
        "is_sysadmin": person.admin_role == AdminRole.SYSTEM,
        "is_secadmin": person.admin_role == AdminRole.SECURITY,
        "is_auditor": person.admin_role == AdminRole.AUDITOR,
        "is_clerk": not person.admin_role and bool(kinds & {PostKind.CLERK, PostKind.CONFIDENTIAL_CLERK}),
        "is_office": not person.admin_role and bool(kinds & set(OFFICE_POSTS)),
        "can_stats": not person.admin_role and bool(kinds & STATS_POSTS),
        "inbox": 0,
        "toread": 0,
        # 逾期与临期: office staff, supervisors, leaders (deadlines.overdue decides, not this menu).
        "can_overdue": not person.admin_role and bool(kinds & set(OVERDUE_POSTS)),
        "unread": 0,
    }
    if not person.admin_role:
        # Same sets as flow.selectors.inbox / to_read (own tasks and those of people I
        # stand in for), counted in one query on the task indexes.
        counts = open_counts(person)
        nav["inbox"], nav["toread"] = counts["inbox"], counts["toread"]
        # Unread notifications (消息), on the index (recipient, read_at, created_at).
        nav["unread"] = Notification.objects.filter(recipient=person, read_at__isnull=True).count()
    return {"nav": nav}
