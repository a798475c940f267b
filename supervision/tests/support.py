"""Helpers shared by the supervision tests and the scenario replays C03 and C12."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from deadlines.services import calendar_for
from flow import services as flow
from gongwen.errors import DomainError
from incoming.services import IncomingData, register_incoming
from org.models import Person
from supervision import services
from supervision.models import SupervisionItem
from tests import helpers
from tests.factories import person
from tests.helpers import open_task
from tests.office import Office


def snapshot() -> dict[str, list[tuple]]:
    """Every row a supervision service may write (tests.helpers: every table of the project)."""
    return helpers.snapshot()


@contextmanager
def refused(match: str | None = None, exc: type[Exception] = DomainError):
    """A refusal with a Chinese message that wrote nothing at all."""
    before = snapshot()
    with pytest.raises(exc, match=match) as info:
        yield info
    message = getattr(info.value, "message", str(info.value))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), f"refusal without a Chinese message: {message!r}"
    after = snapshot()
    changed = helpers.diff(before, after)
    assert not changed, f"a refusal changed {changed}: {message}"


@dataclass
class Scene:
    o: Office
    supervisor: Person

    def document(self, title: str = "关于研究两项服务机制衔接问题的请示", **kw):
        o = self.o
        return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=title, doc_type="请示", sender_id=o.dept.pk, doc_number=kw.pop("doc_number", "示交〔2026〕5号"), **kw))

    def at_instruct(self, title: str = "关于研究两项服务机制衔接问题的请示", leaders=None, **kw):
        """A document waiting for the leaders' instruction, in order (the principal by default)."""
        o = self.o
        leaders = leaders or [o.principal]
        doc = self.document(title, **kw)
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director,
                     opinion=f"拟请{'、'.join(p.name for p in leaders)}阅示。", next_assignees=leaders,
                     next_mode="sequential" if len(leaders) > 1 else None)
        return doc

    def due(self, days: int = 20):
        """End of the working day ``days`` working days from now."""
        calendar = calendar_for(self.o.gov)
        return calendar.end_of_day(timezone.localdate(calendar.add_days(timezone.now(), days)))

    def item(self, *, title: str = "两项服务机制衔接问题", lead=None, responsible=None, due=None, actor=None,
             document=None, interval: int = 10, instruction: str = "请综合一处牵头研究，提出改进意见。",
             assist=None) -> SupervisionItem:
        o = self.o
        return services.open_item(actor=actor or self.supervisor, agency=o.gov, data=services.ItemData(
            title=title, instruction=instruction, instructed_by=o.principal, lead_unit=lead or o.div_a,
            responsible=responsible or o.handler_a, due_at=due or self.due(), assist_units=assist or [o.div_b],
            report_required="每两周报送进展，办结后报送书面报告。", report_interval_days=interval, document=document))


def build_scene(o: Office) -> Scene:
    supervisor = person(o.gov, "钱督查", "supervisor", "supervisor", unit=o.div_c)
    return Scene(o=o, supervisor=supervisor)


def later(**kw):
    return timezone.now() + timedelta(**kw)
