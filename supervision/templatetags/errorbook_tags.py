"""Template helpers of the error book (错题本): the categories for the 退回/退文 forms and
whether a person's navigation shows the book."""

from django import template

from supervision.errorbook import services as errorbook

register = template.Library()


@register.simple_tag
def error_categories() -> list[str]:
    """程序, 格式, 文字, 内容, 时效 (the choices of 选择差错类别)."""
    return errorbook.CATEGORIES


@register.filter
def sees_errorbook(person) -> bool:
    """Office staff, supervisors, leaders and division heads (no query: posts are cached
    on the person by the navigation context)."""
    return errorbook.may_see_book(person)
