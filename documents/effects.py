"""What other apps do when something happens to a document's records here.

documents sits below the routing engine (docs/architecture.md), so it names the apps that
build on it by dotted path and imports none, the way the engine names its effects
(flow/effects.py). An effect runs inside the caller's transaction; if it raises, the whole
operation is undone. No Django signals: the table below is the complete list.
tests/test_seams.py imports every dotted path.
"""

from django.utils.module_loading import import_string

# A file (or a new version of one) was stored: the routing history (流转记录) records it.
FILE_STORED_EFFECTS = ("flow.kit.file_stored",)

TABLES = {"FILE_STORED_EFFECTS": FILE_STORED_EFFECTS}


def file_stored(document, *, actor, version) -> None:
    for name in FILE_STORED_EFFECTS:
        import_string(name)(document, actor=actor, version=version)
