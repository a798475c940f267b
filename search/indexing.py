"""Writing the search index (SearchEntry), without signals.

``index_documents(ids)`` (re)writes the entries of some documents; ``refresh()`` finds what
changed since the watermarks stored in SearchState and indexes just that; ``reindex_all()``
(``manage.py reindex_search``) rebuilds everything.

What counts as a change (all watermarks are ever-growing primary keys, so each check is a
short range scan of a primary key — cheap when nothing changed):

* a new Document (id above ``document_id``);
* a new HistoryEvent of a document (every step of the routing engine writes one: sent on,
  returned, finished, 退文 …) and a new AuditEvent whose target is a Document (edits of
  the registration);
* a new Opinion (意见/批示), a new FileVersion (body text), a new ItemInstruction (督办批示).

When it runs — always in the worker, never in a search (a search only reads the index):

* after every write of the pages and the API: ``search.middleware`` calls
  ``after_write()`` on an unsafe request answered with success; once the request's
  transaction has committed, ``schedule_refresh()`` queues ``refresh(full=False)`` for the
  django-q2 worker (``search.tasks.refresh_after_write``), at most one waiting at a time
  (``REFRESH_PENDING``, below). What was just done is found a moment later;
* the scheduled job (``search.tasks.refresh_index``, every two minutes) also looks at
  ``Document.updated_at`` (a full scan there is fine in the background) to catch a change
  made without history or audit, or outside a request (a management command, a worker job).

Body text: the newest version of the 成品 (final) file, else of the 正文 (body) file:
drafting's VersionText when it exists, else extracted from the stored file (DOCX, PDF,
OFD — search/extract.py), else the structured body blocks. A classified document's body
is never indexed (there is none in the system anyway); its title, 文号 and opinions are,
and visible_documents filters them at query time like every list.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .backends.base import order_key
from .models import SearchEntry, SearchState
from .segment import load_dictionary, token_text

log = logging.getLogger(__name__)
BATCH = 500


def scope_tokens(*, agency_id, secrecy, year, doc_type, status, urgency, direction, units, sender_id):
    """The filter values as tokens (search/backends/base.py): a12 s0 y2026 t函 …"""
    out = [f"a{agency_id}", "s1" if secrecy else "s0", f"y{year}", facet("t", doc_type),
           facet("st", status), facet("u", urgency or "0"), facet("dr", direction)]
    out += [f"n{u}" for u in units]
    if sender_id:
        out.append(f"f{sender_id}")
    return out


def facet(prefix: str, value: str) -> str:
    """A scope token for a choice value: letters, digits and CJK only (no _ or -)."""
    return prefix + "".join(ch for ch in str(value) if ch.isalnum())


def _body_text(document, versions_by_doc, texts) -> str:
    if document.secrecy:
        return ""
    version = versions_by_doc.get(document.pk)
    if version is not None:
        text = texts.get(version.pk)
        if text is None:
            from documents import storage

            from .extract import extract

            try:
                text = extract(storage.read(version.storage_path, version.sha256), version.original_name)
            except Exception:  # a missing or damaged file: index the rest
                log.warning("search: cannot read version %s", version.pk, exc_info=True)
                text = ""
        if text:
            return text
    blocks = document.body_blocks or []
    return "\n".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict))


def _newest_versions(doc_ids):
    from documents.models import DocumentFile, FileVersion

    best = {}
    rank = {DocumentFile.Role.FINAL: 2, DocumentFile.Role.BODY: 1}
    rows = (FileVersion.objects.filter(file__document_id__in=doc_ids,
                                       file__role__in=list(rank))
            .select_related("file").order_by("id"))
    for v in rows:
        key = (rank[v.file.role], v.pk)
        current = best.get(v.file.document_id)
        if current is None or key > current[0]:
            best[v.file.document_id] = (key, v)
    return {doc: v for doc, (_, v) in best.items()}


def build_entries(documents) -> list[SearchEntry]:
    """Unsaved entries for documents (a list of Document rows)."""
    from drafting.models import VersionText
    from flow.models import Opinion
    from org.models import Unit
    from supervision.models import ItemInstruction, SupervisionItem

    ids = [d.pk for d in documents]
    versions = _newest_versions(ids)
    texts = dict(VersionText.objects.filter(version_id__in=[v.pk for v in versions.values()])
                 .values_list("version_id", "text"))
    opinions: dict[int, list[str]] = {}
    for doc_id, author, text in (Opinion.objects.filter(document_id__in=ids).order_by("id")
                                 .values_list("document_id", "author__name", "text")):
        opinions.setdefault(doc_id, []).append(f"{author}：{text}")
    for doc_id, leader, text in (ItemInstruction.objects.filter(document_id__in=ids).order_by("id")
                                 .values_list("document_id", "leader__name", "text")):
        opinions.setdefault(doc_id, []).append(f"{leader}批示：{text}")
    for doc_id, leader, text in (SupervisionItem.objects.filter(document_id__in=ids).order_by("id")
                                 .values_list("document_id", "instructed_by__name", "instruction")):
        opinions.setdefault(doc_id, []).append(f"{leader}批示：{text}")
    assists: dict[int, list[int]] = {}
    through = documents[0].assist_units.through if documents else None
    if through is not None:
        for doc_id, unit_id in through.objects.filter(document_id__in=ids).values_list("document_id", "unit_id"):
            assists.setdefault(doc_id, []).append(unit_id)
    now = timezone.now()
    entries = []
    unit_names = dict(Unit.objects.filter(pk__in={d.lead_unit_id for d in documents if d.lead_unit_id})
                      .values_list("pk", "name"))
    for d in documents:
        units = [u for u in [d.lead_unit_id, *assists.get(d.pk, [])] if u]
        local = timezone.localtime(d.received_at) if d.received_at else None
        doc_date = d.issued_on if d.direction == "outgoing" and d.issued_on else (
            local.date() if local else now.date())
        sender = d.sender.name if d.sender_id else (d.sender_name or "")
        body = _body_text(d, versions, texts)
        opinion_text = "\n".join(opinions.get(d.pk, []))
        if d.reply_text and not d.secrecy:
            opinion_text = (opinion_text + "\n答复：" + d.reply_text).strip()
        meta = " ".join(x for x in [d.doc_number, sender, unit_names.get(d.lead_unit_id, ""), d.signer,
                                    d.main_recipients] if x)
        entries.append(SearchEntry(
            id=order_key(d.agency_id, doc_date, d.pk), scope_tokens=" ".join(scope_tokens(
                agency_id=d.agency_id, secrecy=d.secrecy, year=doc_date.year, doc_type=d.doc_type,
                status=d.status, urgency=d.urgency, direction=d.direction, units=units, sender_id=d.sender_id)),
            document_id=d.pk, agency_id=d.agency_id, secrecy=d.secrecy or "", doc_date=doc_date,
            direction=d.direction, doc_type=d.doc_type, year=doc_date.year, status=d.status,
            urgency=d.urgency or "", lead_unit_id=d.lead_unit_id,
            units="|" + "|".join(str(u) for u in units) + "|" if units else "",
            received_at=d.received_at, issued_on=d.issued_on, indexed_at=now,
            title=d.title, doc_number=d.doc_number or "", sender=sender[:100],
            title_tokens=token_text(d.title, unigrams=True),
            number_tokens=token_text(meta, unigrams=True),
            body_tokens=token_text(body), opinion_tokens=token_text(opinion_text),
            body=body, opinions=opinion_text,
        ))
    return entries


def index_documents(ids) -> int:
    """(Re)write the entries of these documents; returns how many were written."""
    from documents.models import Document

    ids = sorted(set(ids))
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        docs = list(Document.objects.filter(pk__in=chunk).select_related("sender"))
        entries = build_entries(docs)
        with transaction.atomic():
            SearchEntry.objects.filter(document_id__in=chunk).delete()
            SearchEntry.objects.bulk_create(entries)
        done += len(entries)
    return done


def _state() -> SearchState:
    state, _ = SearchState.objects.get_or_create(pk=1)
    return state


def _max(model, field="id"):
    return model.objects.aggregate(m=Max(field))["m"] or 0


def refresh(full: bool = True) -> int:
    """Index what changed since the watermarks; returns how many documents were indexed.

    ``full=False`` (after a write) checks only the id watermarks; ``full=True`` (the
    scheduled job) also compares Document.updated_at with the stored watermark."""
    from audit.models import AuditEvent
    from documents.models import Document, FileVersion
    from flow.models import HistoryEvent, Opinion
    from supervision.models import ItemInstruction

    state = _state()
    marks = {
        "document_id": _max(Document),
        "opinion_id": _max(Opinion),
        "version_id": _max(FileVersion),
        "instruction_id": _max(ItemInstruction),
        "history_id": _max(HistoryEvent),
        "audit_id": _max(AuditEvent),
    }
    seen = {"document_id": state.document_id, "opinion_id": state.opinion_id,
            "version_id": state.version_id, "instruction_id": state.instruction_id,
            "history_id": state.history_id, "audit_id": state.audit_id}
    changed_ids = marks != seen
    if not changed_ids and not full:
        return 0
    ids: set[int] = set()
    if marks["document_id"] > seen["document_id"]:
        ids |= set(Document.objects.filter(pk__gt=seen["document_id"]).values_list("pk", flat=True))
    if marks["opinion_id"] > seen["opinion_id"]:
        ids |= set(Opinion.objects.filter(pk__gt=seen["opinion_id"]).values_list("document_id", flat=True))
    if marks["version_id"] > seen["version_id"]:
        ids |= set(FileVersion.objects.filter(pk__gt=seen["version_id"])
                   .values_list("file__document_id", flat=True))
    if marks["instruction_id"] > seen["instruction_id"]:
        ids |= {i for i in ItemInstruction.objects.filter(pk__gt=seen["instruction_id"])
                .values_list("document_id", flat=True) if i}
    if marks["history_id"] > seen["history_id"]:
        ids |= set(HistoryEvent.objects.filter(pk__gt=seen["history_id"]).values_list("document_id", flat=True))
    if marks["audit_id"] > seen["audit_id"]:
        for target_id in (AuditEvent.objects.filter(pk__gt=seen["audit_id"], target_type="Document")
                          .values_list("target_id", flat=True)):
            if str(target_id).isdigit():
                ids.add(int(target_id))
    now = timezone.now()
    if full:
        newest = _max(Document, "updated_at") or None
        if state.updated_at is not None:
            ids |= set(Document.objects.filter(updated_at__gt=state.updated_at).values_list("pk", flat=True))
        elif newest is not None:
            ids |= set(Document.objects.values_list("pk", flat=True))
    if ids:
        load_dictionary()
        try:
            index_documents(ids)
        except IntegrityError:  # a concurrent refresh (another request) indexed the same rows
            log.info("search: concurrent refresh, rows already indexed")
    try:
        with transaction.atomic():
            fresh = SearchState.objects.select_for_update().get(pk=1)
            for name, value in marks.items():
                setattr(fresh, name, max(value, getattr(fresh, name)))
            if full:
                fresh.updated_at = newest
            fresh.refreshed_at = now
            fresh.save()
    except IntegrityError:  # a concurrent refresh wrote it: nothing lost, it indexed too
        pass
    return len(ids)


def current_marks() -> dict:
    from audit.models import AuditEvent
    from documents.models import Document, FileVersion
    from flow.models import HistoryEvent, Opinion
    from supervision.models import ItemInstruction

    return {"document_id": _max(Document), "opinion_id": _max(Opinion), "version_id": _max(FileVersion),
            "instruction_id": _max(ItemInstruction), "history_id": _max(HistoryEvent),
            "audit_id": _max(AuditEvent), "updated_at": _max(Document, "updated_at") or None}


def set_watermarks(marks: dict) -> None:
    """Store the watermarks (taken before an indexing run began)."""
    state = _state()
    for name, value in marks.items():
        setattr(state, name, value)
    state.refreshed_at = timezone.now()
    state.save()


def reindex_all() -> int:
    """Rebuild the whole index (and the user dictionary)."""
    from documents.models import Document

    load_dictionary(force=True)
    marks = current_marks()
    ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    SearchEntry.objects.exclude(document_id__in=Document.objects.values("pk")).delete()
    count = index_documents(ids)
    set_watermarks(marks)
    return count


# --- refreshing after a write, in the worker -------------------------------------------------

# A cache key set while a refresh queued by schedule_refresh() waits for the worker: a burst
# of writes queues one refresh, not one per write. The worker's task deletes it first thing,
# before reading the watermarks, so a write committed after that queues the next one. With
# Django's per-process local-memory cache (one machine without Redis) the worker cannot see
# the web process's key: the key then lapses after REFRESH_WINDOW seconds, and the task, when
# it started inside that window, refreshes once more at its end (a write whose queueing the
# key suppressed committed before the window closed, so that second pass finds it).
REFRESH_PENDING = "search:refresh-pending"
REFRESH_WINDOW = 2  # seconds (an integer: the Redis cache rounds timeouts down)
REFRESH_TASK = "search.tasks.refresh_after_write"


def schedule_refresh() -> bool:
    """Queue ``refresh(full=False)`` for the worker unless one is already waiting; returns
    whether one was queued. Call it once the write is committed (``after_write``)."""
    from django_q.tasks import async_task

    queued_at = time.time()
    if not cache.add(REFRESH_PENDING, queued_at, timeout=REFRESH_WINDOW):
        return False
    async_task(REFRESH_TASK, queued_at, task_name="search.refresh_after_write")
    return True


def after_write() -> None:
    """Have the index refreshed once the current transaction commits (at once outside one).
    A failure to queue is logged, never raised: the write stands, and the scheduled job
    indexes it within two minutes."""
    transaction.on_commit(schedule_refresh, robust=True)


def refresh_queued(queued_at: float) -> int:
    """The worker's side of schedule_refresh(): index what changed; returns how many
    documents were indexed."""
    shared = cache.delete(REFRESH_PENDING)  # True: the cache is the web processes' too
    count = refresh(full=False)
    wait = queued_at + REFRESH_WINDOW - time.time()
    if not shared and wait > 0:
        time.sleep(wait + 0.05)
        count += refresh(full=False)
    return count


def last_refreshed():
    """When the index was last brought up to date (None: never), for the search page."""
    return SearchState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
