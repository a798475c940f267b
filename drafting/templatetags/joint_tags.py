"""{% joint_open_count person as n %}: the open 会签签发 requests addressed to the person."""

from django import template

register = template.Library()


@register.simple_tag
def joint_open_count(person) -> int:
    from drafting.joint import open_for
    from org.models import PostKind
    from org.selectors import post_kinds

    # Only principal leaders are ever asked (their post kinds are cached for the nav already).
    if person is None or PostKind.PRINCIPAL_LEADER not in post_kinds(person):
        return 0
    return open_for(person).count()
