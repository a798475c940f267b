"""Reads over the organisation: who holds which post, who heads or is in charge of a unit."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Delegation, Person, PostKind, Unit


def persons_with_post(agency, kind: str, unit: Unit | None = None) -> QuerySet[Person]:
    qs = Person.objects.filter(is_active=True, posts__kind=kind, posts__agency=agency)
    if unit is not None:
        qs = qs.filter(posts__unit=unit)
    return qs.distinct().order_by("sort_order", "id")


def unit_heads(unit: Unit) -> QuerySet[Person]:
    return persons_with_post(unit.agency, PostKind.DIVISION_HEAD, unit)


def leaders_in_charge(unit: Unit) -> QuerySet[Person]:
    return Person.objects.filter(
        is_active=True, posts__kind=PostKind.LEADER_IN_CHARGE, posts__units_in_charge=unit
    ).distinct().order_by("sort_order", "id")


def leaders(agency) -> QuerySet[Person]:
    return Person.objects.filter(
        is_active=True, posts__agency=agency,
        posts__kind__in=[PostKind.PRINCIPAL_LEADER, PostKind.LEADER_IN_CHARGE],
    ).distinct().order_by("sort_order", "id")


def post_kinds(person: Person) -> set[str]:
    cache = getattr(person, "_post_kinds_cache", None)
    if cache is None:
        cache = set(person.posts.values_list("kind", flat=True))
        person._post_kinds_cache = cache
    return cache


def has_post(person: Person, *kinds: str) -> bool:
    return bool(post_kinds(person) & set(kinds))


def headed_unit_ids(person: Person) -> list[int]:
    return list(person.posts.filter(kind=PostKind.DIVISION_HEAD, unit__isnull=False).values_list("unit_id", flat=True))


def units_in_charge_ids(person: Person) -> list[int]:
    return list(Unit.objects.filter(leaders_in_charge__person=person).values_list("id", flat=True))


def delegators_of(person: Person, when=None) -> list[int]:
    """Ids of people whose tasks ``person`` may act on now (active delegations to them).
    Asked once per request for a person passed to ``remember_delegators`` (without ``when``)."""
    memo = getattr(person, "_delegators_memo", None) if when is None else None
    if memo:
        return list(memo[0])
    at = when or timezone.now()
    ids = list(
        Delegation.objects.filter(to_person=person, cancelled_at__isnull=True, starts_at__lte=at, ends_at__gt=at)
        .values_list("from_person_id", flat=True)
    )
    if memo is not None:
        memo.append(ids)
    return ids


def remember_delegators(person: Person | None) -> None:
    """Keep ``delegators_of(person)`` for the life of this person object: a page that asks
    it several times (visibility, the operations, the panels) reads the table once. Call it
    on the request's own person only, which lives for one request."""
    if person is not None and getattr(person, "_delegators_memo", None) is None:
        person._delegators_memo = []


def posts_display(person: Person) -> str:
    names = []
    for post in person.posts.all():
        label = post.get_kind_display()
        names.append(label)
    return "、".join(dict.fromkeys(names))
