"""Helpers of the API suite: a JSON client with one bearer token per person, and a
snapshot of every table an endpoint may write, to prove that a refusal wrote nothing."""

import json

from django.contrib.auth import get_user_model
from django.db import models

from api.models import ApiToken
from api.services import issue_token
from audit.models import AuditEvent
from flow.models import HistoryEvent, Task, TaskStatus
from org.models import Person
from tests.helpers import written_models

PREFIX = "/api/v1"

# Every table an endpoint may write to (every model of the project's own apps, from the app
# registry, and the user table), with the columns that legitimately change on a read (a
# token's last use, a user's last login) left out.
SKIP = {ApiToken: ("last_used_at",), get_user_model(): ("last_login",)}
WRITTEN: list[tuple[type[models.Model], tuple[str, ...]]] = [
    (model, SKIP.get(model, ())) for model in [get_user_model(), *written_models()]
    if model._meta.label != "audit.AccessRefusal"]  # the refusal's own security record (audit.refusals)


def _rows(model, skip) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    rows = [tuple(map(repr, r)) for r in model.objects.order_by("pk").values_list(*fields)]
    for f in model._meta.many_to_many:
        through = f.remote_field.through
        rows.append(tuple(map(repr, sorted(through.objects.values_list(
            f"{f.m2m_field_name()}_id", f"{f.m2m_reverse_field_name()}_id")))))
    return rows


def snapshot() -> dict[str, list[tuple]]:
    return {model.__name__: _rows(model, skip) for model, skip in WRITTEN}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def counts() -> tuple[int, int]:
    """(audit events, routing-history events)."""
    return AuditEvent.objects.count(), HistoryEvent.objects.count()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class ApiClient:
    """``api.post(person, "/tasks/1/send_on", {...})``; ``person=None`` is anonymous."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[int, str] = {}

    def token(self, person: Person) -> str:
        if person.pk not in self.tokens:
            self.tokens[person.pk] = issue_token(actor=person, name="测试").clear
        return self.tokens[person.pk]

    def request(self, method: str, path: str, person: Person | None = None, body=None, **extra):
        headers = dict(extra.pop("headers", {}))
        if person is not None:
            headers["Authorization"] = f"Bearer {self.token(person)}"
        url = path if path.startswith(PREFIX) else PREFIX + path
        kwargs = {"headers": headers, **extra}
        if body is not None and "content_type" not in kwargs and method != "get":
            kwargs.update(data=json.dumps(body, ensure_ascii=False, default=str), content_type="application/json")
        elif body is not None:
            kwargs["data"] = body
        return getattr(self.client, method)(url, **kwargs)

    def get(self, person, path, params=None, **kw):
        return self.request("get", path, person, params, **kw)

    def post(self, person, path, body=None, **kw):
        return self.request("post", path, person, {} if body is None and "data" not in kw else body, **kw)

    def upload(self, person, path, form: dict):
        """multipart/form-data, as a browser form sends files."""
        headers = {"Authorization": f"Bearer {self.token(person)}"} if person is not None else {}
        return self.client.post(PREFIX + path, data=form, headers=headers)

    def patch(self, person, path, body=None, **kw):
        return self.request("patch", path, person, body or {}, **kw)

    def put(self, person, path, body=None, **kw):
        return self.request("put", path, person, body or {}, **kw)

    def delete(self, person, path, **kw):
        return self.request("delete", path, person, None, **kw)


def open_task(document, person, role="main") -> Task:
    return Task.objects.get(document_id=getattr(document, "pk", document), assignee=person,
                            status=TaskStatus.OPEN, role=role)
