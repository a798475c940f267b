from django import template

from secrecy import access

register = template.Library()


@register.filter
def shows_secrecy_nav(person) -> bool:
    """The 密件 nav item: for the 机要员 and for whoever holds a copy or approves destruction."""
    return access.may_use_pages(person)


@register.simple_tag
def secret_label(person, document) -> str:
    from secrecy.selectors import label

    return label(person, document)
