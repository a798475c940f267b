"""The navigation test of the archive pages and the 档号 line of the document page."""

from django import template

register = template.Library()


@register.filter
def reads_archive(person) -> bool:
    """Whether the person sees the archive pages (the archivist and the office staff)."""
    from archive import services

    return services.can_read_catalogue(person)


@register.filter
def is_archivist(person) -> bool:
    from archive import services

    return services.is_archivist(person)


@register.simple_tag
def archive_item_of(document):
    """The item (件) a document is filed in, or None."""
    from archive import services

    return services.item_of(document) if document is not None else None
