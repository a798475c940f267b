"""The one rule that keeps classified documents off the network (RULES.md §7, C07).

A classified document (秘密/机密/绝密) is recorded by its metadata and copy numbers only:
no electronic body or attachment, no electronic transmission — unless this deployment is
an accredited classified system (``settings.CLASSIFIED_DEPLOYMENT``, off by default), and
then only inside it. Every service that stores a file or sends a document asks here.
"""

from django.conf import settings

from gongwen.errors import DomainError

from .access import can_view

LEVELS = ("秘密", "机密", "绝密")


def classified_network() -> bool:
    """Whether this deployment runs on an accredited classified network (涉密网)."""
    return bool(getattr(settings, "CLASSIFIED_DEPLOYMENT", False))


def is_classified(document) -> bool:
    return bool(document.secrecy)


def refuse_electronic(document, what: str) -> None:
    """Refuse ``what`` (e.g. "上传正文", "通过系统分发") for a classified document on a
    non-classified deployment, naming the level and what to do instead."""
    if is_classified(document) and not classified_network():
        raise DomainError(
            f"本件为{document.secrecy}件，本系统不是涉密网，不得{what}："
            "密件只登记元数据和份号，正文和附件按纸质密件由机要员传递和保管。",
            code="classified",
        )


def _mentions(text: str, title: str, window: int = 6) -> bool:
    if not text or not title:
        return False
    if len(title) <= window:
        return title in text
    return any(title[i:i + window] in text for i in range(len(title) - window + 1))


def masked_notice(recipient, document, title: str, body: str) -> tuple[str, str] | None:
    """What a notification about a classified document says to someone who may not read
    it: the title of the document becomes 密件（份号…）, and a text that still quotes any
    part of it is dropped. ``None`` when the recipient may read the document (its reading
    scope, its holders, custodian, registrar …)."""
    if not is_classified(document) or can_view(recipient, document):
        return None
    # The recipient's copies (secrecy's ClassifiedCopy, through the relation it declares here).
    copies = document.classified_copies.model.objects.filter(document_id=document.pk,
                                                             holder_id=getattr(recipient, "pk", None))
    numbers = (list(copies.values_list("number", flat=True))
               or ([document.copy_number] if document.copy_number else []))
    label = f"密件（份号{'、'.join(numbers)}）" if numbers else "密件"
    secret = document.title or ""
    title = (title or "").replace(f"《{secret}》", label).replace(secret, label) if secret else title
    body = (body or "").replace(f"《{secret}》", label).replace(secret, label) if secret else body
    if _mentions(title, secret):
        title = label
    if _mentions(body, secret):
        body = ""
    return title, body
