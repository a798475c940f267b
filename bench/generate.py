"""Bulk generation of documents with realistic routing histories for the benchmark.

Rows are written with bulk_create in chunks (not through the services: a service call
per step would take hours at 100,000 documents). The shapes match what the services
write: a process with the template's node snapshot, one activation and task per node
passed, opinions at the nodes that write them, history events, and an open task at the
node where an unfinished document stands.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from documents.models import Direction, Document, RegistryCounter, SlipKind, Status
from flow.models import (
    Activation,
    HistoryAction,
    HistoryEvent,
    Mode,
    NodeKind,
    Opinion,
    Process,
    ProcessTemplate,
    Task,
    TaskRole,
    TaskStatus,
)
from org.models import Agency, AgencyKind, Person, Post, PostKind, Unit

PASSWORD = "bench-pass-2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国志强海涛丽娟文华明辉秀英晓东静怡子轩浩然雨桐思远嘉怡振华立新红梅春燕国庆卫东玉兰"
TOPICS = ["安全生产", "防汛抗旱", "营商环境", "民生实事", "乡村振兴", "道路交通", "生态环境保护", "城市更新",
          "森林防火", "食品安全", "招商引资", "基层治理", "疫病防控", "就业创业", "教育督导"]
TYPES = ["通知", "请示", "报告", "函", "意见", "通报", "纪要", "电报", "简报"]


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_org(rng, units=20):
    """A city government office with ``units`` divisions, each with a head and handlers."""
    User = get_user_model()
    gov = Agency.objects.create(name="示范市人民政府办公室", short_name="市政府办", code="示府办",
                                kind=AgencyKind.GOVERNMENT)
    senders = [Agency.objects.create(name=f"示范市第{i}局", short_name=f"第{i}局", code=f"示{i}局",
                                     kind=AgencyKind.DEPARTMENT) for i in range(1, 31)]
    office = Unit.objects.create(agency=gov, name="办公室", is_office=True)
    secretariat = Unit.objects.create(agency=gov, name="秘书科", is_secretariat=True)
    divisions = [Unit.objects.create(agency=gov, name=f"综合{i}科") for i in range(1, units + 1)]
    people = {}

    def person(key, unit, *posts, in_charge=()):
        user = User(username=key)
        user.set_password(PASSWORD)
        user.save()
        p = Person.objects.create(user=user, name=_name(rng), agency=gov, unit=unit)
        for kind in posts:
            post = Post.objects.create(person=p, kind=kind, agency=gov,
                                       unit=unit if kind in (PostKind.DIVISION_HEAD, PostKind.HANDLER) else None)
            if in_charge:
                post.units_in_charge.set(in_charge)
        people[key] = p
        return p

    person("clerk", office, PostKind.CLERK)
    person("secretary", secretariat, PostKind.SECRETARY)
    person("director", office, PostKind.OFFICE_DIRECTOR)
    person("principal", None, PostKind.PRINCIPAL_LEADER)
    for i in range(4):
        person(f"leader{i}", None, PostKind.LEADER_IN_CHARGE, in_charge=divisions[i::4])
    for i, unit in enumerate(divisions):
        person(f"head{i}", unit, PostKind.DIVISION_HEAD)
        person(f"handler{i}a", unit, PostKind.HANDLER)
        person(f"handler{i}b", unit, PostKind.HANDLER)
    return gov, senders, divisions, people


# Where an unfinished document stands, by weight.
OPEN_STAGES = [("screen", 3), ("propose", 2), ("instruct", 3), ("distribute", 2), ("handle", 6), ("complete", 1)]


def generate(gov, senders, divisions, people, count, *, start_seq=0, seed=7, chunk=2000, progress=None):
    """Create ``count`` documents for ``gov``; returns the number created."""
    rng = random.Random(seed + start_seq)
    template = ProcessTemplate.objects.get(agency__isnull=True, direction=Direction.INCOMING,
                                           slip_kind=SlipKind.INTAKE)
    nodes = template.snapshot()
    by_key = {n["key"]: n for n in nodes}
    path = ["sign_for", "register", "screen", "propose", "instruct", "distribute", "handle", "complete"]
    leaders = [people["principal"]] + [people[f"leader{i}"] for i in range(4)]
    now = timezone.now()
    created = 0
    seq = start_seq
    while created < count:
        n = min(chunk, count - created)
        with transaction.atomic():
            docs, plans = [], []
            for _ in range(n):
                seq += 1
                received = now - timedelta(minutes=rng.randint(10, 60 * 24 * 700))
                sender = rng.choice(senders)
                state = rng.random()
                if state < 0.62:
                    stop, status = None, Status.COMPLETED
                elif state < 0.70:
                    stop, status = "returned", Status.RETURNED
                else:
                    keys, weights = zip(*OPEN_STAGES, strict=True)
                    stop, status = rng.choices(keys, weights)[0], Status.IN_PROGRESS
                unit = rng.choice(divisions)
                doc_type = rng.choice(TYPES)
                urgency = rng.choice(["特提", "特急", "加急", "平急"]) if doc_type == "电报" else rng.choice(
                    ["", "", "", "加急", "特急"])
                docs.append(Document(
                    agency=gov, direction=Direction.INCOMING, slip_kind=SlipKind.INTAKE, doc_type=doc_type,
                    title=f"关于做好{rng.choice(TOPICS)}工作的{doc_type}（第{seq}件）", sender=sender,
                    sender_name=sender.name, doc_number=f"{sender.code}发〔{received.year}〕{rng.randint(1, 300)}号",
                    registry_year=received.year, registry_seq=seq, urgency=urgency, received_at=received,
                    sender_deadline=received + timedelta(days=rng.randint(2, 20)) if rng.random() < 0.5 else None,
                    status=status, registered_by=people["clerk"], registered_at=received, created_at=received,
                    updated_at=received, lead_unit=unit if stop in (None, "handle", "complete") else None,
                    closed_at=received + timedelta(days=5) if status != Status.IN_PROGRESS else None,
                    stage=by_key[stop]["name"] if stop in by_key else ("已办结" if stop is None else "已退文"),
                ))
                plans.append((stop, unit, rng.choice(leaders)))
            Document.objects.bulk_create(docs)
            processes = Process.objects.bulk_create([
                Process(document=d, template=template, nodes=nodes, started_at=d.received_at,
                        state=Process.State.COMPLETED if d.status == Status.COMPLETED else (
                            Process.State.CANCELLED if d.status == Status.RETURNED else Process.State.RUNNING))
                for d in docs
            ])
            acts, act_meta = [], []
            for d, p, (stop, unit, leader) in zip(docs, processes, plans, strict=True):
                keys = path if stop is None else (path[:3] if stop == "returned" else path[:path.index(stop) + 1])
                for i, key in enumerate(keys):
                    is_open = stop not in (None, "returned") and key == stop
                    node = by_key[key]
                    at = d.received_at + timedelta(hours=i * 3)
                    acts.append(Activation(process=p, node_key=key, node_kind=node["kind"], node_name=node["name"],
                                           seq=i + 1, mode=Mode.SINGLE, created_at=at,
                                           state=Activation.State.OPEN if is_open else Activation.State.DONE))
                    act_meta.append((d, p, key, is_open, at, unit, leader))
            Activation.objects.bulk_create(acts)
            tasks = []
            for a, (d, p, key, is_open, at, unit, leader) in zip(acts, act_meta, strict=True):
                assignee = {
                    "sign_for": people["clerk"], "register": people["clerk"], "screen": people["secretary"],
                    "propose": people["director"], "instruct": leader, "distribute": people["secretary"],
                    "complete": people["clerk"],
                }.get(key) or people[f"head{divisions.index(unit)}"]
                tasks.append(Task(
                    activation=a, process=p, document=d, node_kind=a.node_kind, node_name=a.node_name,
                    role=TaskRole.MAIN, assignee=assignee, assignee_unit=unit if key == "handle" else assignee.unit,
                    sent_by=people["clerk"], status=TaskStatus.OPEN if is_open else TaskStatus.DONE, created_at=at,
                    done_at=None if is_open else at + timedelta(hours=2), due_at=d.sender_deadline,
                    opinion="" if is_open else "同意。"))
            Task.objects.bulk_create(tasks)
            opinions, events = [], []
            for t in tasks:
                events.append(HistoryEvent(document=t.document, process=t.process, task=t, actor=t.sent_by,
                                           action=HistoryAction.SEND_ON, to_node=t.node_name,
                                           targets=[t.assignee.name], at=t.created_at))
                if t.status == TaskStatus.DONE and t.node_kind in (NodeKind.SCREEN, NodeKind.PROPOSE,
                                                                   NodeKind.INSTRUCT, NodeKind.HANDLE):
                    opinions.append(Opinion(document=t.document, task=t, author=t.assignee, node_kind=t.node_kind,
                                            node_name=t.node_name, text=rng.choice(
                                                ["同意。", "请抓紧办理。", "拟请综合科研办。", "已阅，同意拟办意见。"]),
                                            created_at=t.done_at))
            Opinion.objects.bulk_create(opinions)
            HistoryEvent.objects.bulk_create(events)
        created += n
        if progress:
            progress(start_seq + created)
    # Registration after the bulk load continues the numbering of the current year.
    year = timezone.localtime(now).year
    last = (Document.objects.filter(agency=gov, registry_year=year).order_by("-registry_seq")
            .values_list("registry_seq", flat=True).first() or 0)
    RegistryCounter.objects.update_or_create(agency=gov, year=year, defaults={"last": last})
    return created
