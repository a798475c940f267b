"""factory-boy factories for the organisation and documents."""

import factory
from django.contrib.auth import get_user_model

from org.models import Agency, AgencyKind, PasswordRecord, Person, Post, Unit

PASSWORD = "pass-12345"  # every test account's (tests/browser.py signs in with it)
# The posts that sit in a unit (a 处长 heads it, a 文书 works in it); the others are the agency's.
POSTS_IN_UNIT = ("division_head", "handler", "clerk", "secretary")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # own_password below changes nothing on the user

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def own_password(obj, create, extracted, **kwargs):
        """The test password counts as the person's own (org.passwords): signing in through
        the login page does not stop at the forced first change an administrator-set
        password gets."""
        if create:
            PasswordRecord.objects.get_or_create(user=obj, by_owner=True, defaults={"password_hash": obj.password})


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"示范市第{n}局")
    short_name = factory.LazyAttribute(lambda o: o.name.replace("示范市", ""))
    code = factory.Sequence(lambda n: f"示{n}")
    kind = AgencyKind.DEPARTMENT


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"第{n}处")
    short_name = factory.LazyAttribute(lambda o: o.name)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"人员{n}")
    agency = factory.SubFactory(AgencyFactory)
    unit = None


def person(agency, name, username, *posts, unit=None, in_charge=(), admin_role=""):
    """A person with posts; ``posts`` are PostKind values (处长 posts use ``unit``)."""
    p = PersonFactory(agency=agency, unit=unit, name=name, user=UserFactory(username=username), admin_role=admin_role)
    for kind in posts:
        post = Post.objects.create(person=p, kind=kind, agency=agency,
                                   unit=unit if kind in POSTS_IN_UNIT else None)
        if kind == "leader_in_charge":
            post.units_in_charge.set(in_charge)
    return p
