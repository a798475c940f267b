from django import template

from org.models import PostKind
from secrecy import access

register = template.Library()


@register.filter
def shows_secrecy_nav(person) -> bool:
    """The 密件 nav item: for the 机要员 and those who approve destruction (the post kinds the
    navigation has already read: no query). Holders reach the pages from their messages."""
    from org.selectors import has_post

    return bool(person) and not person.admin_role and has_post(person, PostKind.CONFIDENTIAL_CLERK,
                                                               *access.APPROVER_POSTS)


@register.simple_tag
def secret_label(person, document) -> str:
    from secrecy.selectors import label

    return label(person, document)
