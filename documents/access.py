"""Who may see a document, who may receive it, and who may register: the one visibility
rule. Every list, ledger, export, search, count and API call asks here; no other module
decides who sees a document (tests/test_visibility_one_place.py holds it to that).

A document is visible to those who handled or hold it (or stand in for someone who
does), the heads of their units and the leaders in charge of those units, the office
staff of its agency and its registrar. A classified document (C07) is not opened by
unit, office or leadership: only its reading scope within clearance, its copy holders, its
custodian, its registrar, the agency's 机要员 (within clearance) and the people it was
routed to personally *within their clearance* see it (``classified_ways_in``); a task
alone never opens it, nor does a stand-in's delegation beyond the stand-in's own
clearance. Everyone else gets 404, as if it did not exist. Administrators see no
documents at all (三员分立).

Who may *receive* a classified document (a task, a copy, a stand-in's action: every
assignment) is ``may_receive``: clearance for its level, and, once the 机要员 has set its
reading scope, a place in that scope.

This module sits below the routing engine (``flow``) and the classified register
(``secrecy``) and imports neither: their tasks, copies, registration and reading scope are
reached through the reverse relations their models declare on ``Document`` (``tasks``,
``classified_copies``, ``classified``, ``reading_scope``). ``secrecy.access`` supplies
data (registrar, approver, clearance), not a second rule.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from gongwen.errors import NotFound, PermissionDenied
from org.models import CLEARANCE_RANK, OFFICE_POSTS, Post, PostKind
from org.selectors import delegators_of, has_post, headed_unit_ids, units_in_charge_ids

from .models import Document

# The stored values this rule reads of the models above it (tests check them against
# flow.models.TaskStatus.OPEN and secrecy.models.CopyStatus.IN_USE).
TASK_OPEN = "open"
COPY_IN_USE = "in_use"


def _related(name: str):
    """The model behind ``Document``'s reverse relation ``name``: ``tasks`` (flow's Task),
    ``classified`` (secrecy's Registration), ``classified_copies`` (ClassifiedCopy),
    ``reading_scope`` (ReadingScope)."""
    return Document._meta.get_field(name).related_model


def allowed_secrecy(person) -> list[str]:
    rank = CLEARANCE_RANK.get(person.clearance or "", 0)
    return [level for level, r in CLEARANCE_RANK.items() if r <= rank]


def clears(person, level: str) -> bool:
    """Whether the person's clearance reaches ``level`` (any, for an unclassified one)."""
    return CLEARANCE_RANK.get(person.clearance or "", 0) >= CLEARANCE_RANK.get(level or "", 0)


def whole_agency(person) -> int | None:
    """The agency every unclassified document of which ``person`` sees — office staff
    (办公室主任, 文书, 秘书, 机要员) see their agency's — or None. Search reads its index by
    this agency's id range instead of a list of ids; it is the same rule as below."""
    if person is None or person.admin_role or not person.is_active:
        return None
    return person.agency_id if has_post(person, *OFFICE_POSTS) else None


def seen_by_all(prefix: str = "") -> Q:
    """The documents a figure, count or agency-wide register may include for everyone who
    reads it: the unclassified ones. A count that moves when a classified document is
    handled tells someone outside its scope that it exists (C07). ``prefix``: the path to
    the document (``"document"`` for a task, an opinion ...)."""
    return Q(**{f"{prefix}__secrecy" if prefix else "secrecy": ""})


def person_posts(person) -> list[tuple]:
    """(kind, unit_id, agency_id) of the person's posts, read once per person object."""
    cache = getattr(person, "_secrecy_posts_cache", None)
    if cache is None:
        cache = list(person.posts.values_list("kind", "unit_id", "agency_id"))
        person._secrecy_posts_cache = cache
    return cache


def classified_ways_in(person, allowed: list[str]) -> list[QuerySet]:
    """Subqueries (one column: the document id) of the classified documents ``person``
    reaches other than through tasks and registration: a copy in hand, custody, the reading
    scope by name or post within clearance, and, for the agency's 机要员, every classified
    document of the agency within clearance. Each on its own index, and no query of its own
    (``visible_documents`` stays one query)."""
    ClassifiedCopy, Registration, ReadingScope = (
        _related("classified_copies"), _related("classified"), _related("reading_scope"))
    levels = [level for level in allowed if level]
    ways = [
        ClassifiedCopy.objects.filter(holder_id=person.pk, status=COPY_IN_USE).values("document_id").order_by(),
        Registration.objects.filter(custodian_id=person.pk).values("document_id").order_by(),
    ]
    if not levels:
        return ways
    ways.append(ReadingScope.objects.filter(person_id=person.pk, document__secrecy__in=levels)
                .values("document_id").order_by())
    # A post of the scope: one the person holds in the document's agency (in the unit, if named).
    posts = Post.objects.filter(person_id=person.pk, kind=OuterRef("post_kind"), agency_id=OuterRef("document__agency_id"))
    ways.append(ReadingScope.objects.filter(post_kind__in=Post.objects.filter(person_id=person.pk).values("kind"),
                                            person__isnull=True, document__secrecy__in=levels)
                .alias(matched=Exists(posts), matched_unit=Exists(posts.filter(unit_id=OuterRef("unit_id"))))
                .filter(Q(unit__isnull=True, matched=True) | Q(matched_unit=True))
                .values("document_id").order_by())
    if has_post(person, PostKind.CONFIDENTIAL_CLERK):
        ways.append(Document.objects.filter(agency_id=person.agency_id, secrecy__in=levels).values("pk").order_by())
    return ways


def visible_documents(person) -> QuerySet[Document]:
    """The one restriction every list, export, search and API call goes through.

    Office staff see most of their agency's documents, so their query is anchored on
    ``agency_id`` and walks the (agency, received_at) index in order. Everyone else sees
    a small set, reached through the indexes of their tasks, units and registrations
    (every way in lies inside the document's own agency: tasks, registration and
    delegation never cross agencies).
    """
    if person is None or person.admin_role or not person.is_active:
        return Document.objects.none()
    Task = _related("tasks")

    holders = [person.pk, *delegators_of(person)]
    allowed = allowed_secrecy(person)
    # C07: a classified document is reached only through its own ways in, never by post.
    secret_ways = classified_ways_in(person, allowed)
    agency = whole_agency(person)
    if agency is not None:
        base = Document.objects.filter(agency_id=agency)
        held = Task.objects.filter(document=OuterRef("pk"), document__secrecy__in=allowed).filter(
            Q(assignee_id__in=holders) | Q(acted_by_id=person.pk))
        first, *rest = [*secret_ways, Document.objects.filter(registered_by=person).values("pk").order_by()]
        classified_held = (Document.objects.filter(agency_id=agency).exclude(secrecy="")
                           .filter(Q(Exists(held)) | Q(pk__in=first.union(*rest))).values("pk"))
        return base.filter(Q(secrecy="") | Q(pk__in=classified_held))
    # One subquery that unions the ways in, each term on its own index, so the database
    # looks up the few documents by primary key instead of scanning them all.
    # A task opens a document only within the person's own clearance (a stand-in's too).
    ways_in = [
        Task.objects.filter(assignee_id__in=holders, document__secrecy__in=allowed).values("document_id").order_by(),
        Task.objects.filter(acted_by_id=person.pk, document__secrecy__in=allowed).values("document_id").order_by(),
        Document.objects.filter(registered_by=person).values("pk").order_by(),
        *secret_ways,
    ]
    units = headed_unit_ids(person) + units_in_charge_ids(person)
    if units:
        ways_in += [
            Task.objects.filter(assignee_unit_id__in=units, document__secrecy="").values("document_id").order_by(),
            Document.objects.filter(lead_unit_id__in=units, secrecy="").values("pk").order_by(),
        ]
    first, *rest = ways_in
    return Document.objects.filter(pk__in=first.union(*rest))


def in_scope(person, document) -> bool:
    """In the classified document's reading scope (by name or post) with clearance enough
    for its level."""
    ReadingScope = _related("reading_scope")
    if person is None or person.admin_role or not person.is_active or not clears(person, document.secrecy):
        return False
    if ReadingScope.objects.filter(document=document, person=person).exists():
        return True
    post_q = None
    for kind, unit_id, agency_id in person_posts(person):
        term = Q(post_kind=kind, document__agency_id=agency_id) & (Q(unit__isnull=True) | Q(unit_id=unit_id))
        post_q = term if post_q is None else post_q | term
    return post_q is not None and ReadingScope.objects.filter(post_q, document=document, person__isnull=True).exists()


def in_registered_scope(person, document) -> bool:
    """For ``may_receive`` (clearance already checked): when the 机要员 has set the
    document's reading scope, the person is in it or is its custodian; a classified
    document without a registration (a draft being written) has no scope yet and is
    bounded by clearance alone."""
    registration = _related("classified").objects.filter(document=document).only("custodian_id").first()
    if registration is None:
        return True
    return registration.custodian_id == person.pk or in_scope(person, document)


def may_receive(person, document: Document) -> bool:
    """Whether a task or a copy of ``document`` may go to ``person``: anyone at post for an
    unclassified document; for a classified one, clearance for its level and, when its
    reading scope is set (密件登记), a place in it (by name or post) or its custody."""
    if not document.secrecy:
        return True
    if person is None or person.admin_role or not person.is_active:
        return False
    if document.secrecy not in allowed_secrecy(person):
        return False
    return in_registered_scope(person, document)


def require_may_receive(document: Document, people, what: str) -> None:
    """Refuse an assignment (送, 退回, 加签, 转办, 指定承办人, 传阅, 会签, acting as a stand-in)
    to anyone outside a classified document's reading scope, naming the person; nothing
    is written (the caller's transaction rolls back)."""
    for person in people:
        if not may_receive(person, document):
            reason = ("涉密等级不够" if document.secrecy not in allowed_secrecy(person) else "不在其知悉范围内")
            raise PermissionDenied(f"本件为{document.secrecy}件，{person.name}{reason}，不能{what}。"
                                   "如确需其办理，请先由机要员将其列入知悉范围（并具备相应涉密等级）。",
                                   code="out_of_scope")


def _ways_into_one(person) -> Q:
    """``visible_documents`` for someone outside the office staff, as a condition on one
    document row: each way in is an EXISTS on that document's own tasks (or a column of the
    row), so a lookup by primary key checks the ways into that one document. The list form
    gathers every document the person may see and then looks for the one asked for: a
    leader in charge of five of twenty divisions sees a quarter of them, 25,000 ids
    gathered (150 ms on SQLite at 100,000 documents, measured) to open one page.
    The same ways in, term by term, as ``visible_documents``; tests/test_leak.py and
    demo/tests/test_content.py hold the two forms to the same set for everyone."""
    Task = _related("tasks")
    holders = [person.pk, *delegators_of(person)]
    allowed = allowed_secrecy(person)
    tasks = Task.objects.filter(document=OuterRef("pk"))
    first, *rest = classified_ways_in(person, allowed)
    condition = (
        (Q(secrecy__in=allowed) & (Q(Exists(tasks.filter(assignee_id__in=holders)))
                                   | Q(Exists(tasks.filter(acted_by_id=person.pk)))))
        | Q(registered_by=person)
        | Q(pk__in=first.union(*rest) if rest else first)
    )
    units = headed_unit_ids(person) + units_in_charge_ids(person)
    if units:
        condition |= Q(secrecy="") & (Q(lead_unit_id__in=units) | Q(Exists(tasks.filter(assignee_unit_id__in=units))))
    return condition


def visible_by_pk(person) -> QuerySet[Document]:
    """``visible_documents`` for a lookup of one or a few documents by primary key (the
    document page, ``can_view``): the same set, asked row by row."""
    if person is None or person.admin_role or not person.is_active:
        return Document.objects.none()
    if whole_agency(person) is not None:
        return visible_documents(person)  # anchored on the agency: a primary key is one index probe
    return Document.objects.filter(_ways_into_one(person))


def can_view(person, document: Document) -> bool:
    return visible_by_pk(person).filter(pk=document.pk).exists()


def get_visible(person, pk) -> Document:
    try:
        return visible_by_pk(person).select_related("agency", "sender", "lead_unit", "registered_by").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_register(person, agency_id: int) -> bool:
    return (person is not None and not person.admin_role and person.agency_id == agency_id
            and has_post(person, PostKind.CLERK, PostKind.CONFIDENTIAL_CLERK))


def require_register(person, agency):
    if not can_register(person, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的文书或机要员可以登记收文。")


def can_upload(person, document: Document) -> bool:
    if person is None or person.admin_role:
        return False
    if has_post(person, *OFFICE_POSTS) and person.agency_id == document.agency_id:
        return True
    return _related("tasks").objects.filter(document=document, assignee=person, status=TASK_OPEN).exists()
