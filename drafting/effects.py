"""What other apps do when a draft changes, and what drafting reads of their records.

Sealing builds on drafting (a seal use binds the body, the printed elements, the 文号 and
the sign-offs), so drafting knows it only by name: each entry is a dotted path resolved
when called (``import_string``), the way ``flow.effects`` names the apps that build on
the engine. An effect runs inside the caller's transaction, after the change and its
history and audit entries; if it raises, the whole operation is undone. No Django
signals: the tables below are the complete list. tests/test_seams.py imports every path.
"""

from django.utils.module_loading import import_string

# A change of something a seal use binds — the body (a new version), a printed element
# (the drafting form), the 文号 (numbered, recorded, voided) or the sign-offs (a new one):
# the seal use that no longer binds the document is voided (always, with ``force``).
CHANGED_EFFECTS = ("sealing.services.void_stale_seal",)

# The document's seal use that stands (newest, not voided), or None.
CURRENT_SEAL_USE = "sealing.services.current_use"


def changed(document, *, actor, cause: str, force: bool = False) -> None:
    for name in CHANGED_EFFECTS:
        import_string(name)(document, actor=actor, cause=cause, force=force)


def current_seal_use(document):
    return import_string(CURRENT_SEAL_USE)(document)
