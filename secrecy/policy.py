"""The one rule that keeps classified documents off the network (RULES.md §7, C07).

A classified document (秘密/机密/绝密) is recorded by its metadata and copy numbers only:
no electronic body or attachment, no electronic transmission — unless this deployment is
an accredited classified system (``settings.CLASSIFIED_DEPLOYMENT``, off by default), and
then only inside it. Every service that stores a file or sends a document asks here.
"""

from django.conf import settings

from gongwen.errors import DomainError

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
