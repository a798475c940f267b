"""Operations on a document (办理): each POST parses its form and calls one service of
the routing engine. A refusal (DomainError) writes nothing and shows as a Chinese alert.
Plain POSTs redirect back to the document page; htmx POSTs get the live part of the page
(operations, slip, holders, timeline) re-rendered in place."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from documents.access import can_view
from flow import services as flow
from gongwen.errors import DomainError
from incoming import services as incoming_services
from incoming.forms import IncomingForm
from org.models import Person, Unit
from supervision import services as supervision
from supervision.errorbook.services import check_category
from supervision.forms import supervise_from_post
from ui.views import person_required, run_service, visible_document

from .documents import page_context


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _task_id(request) -> int:
    task_id = _int(request.POST.get("task"))
    if task_id is None:
        raise DomainError("页面已过期，请刷新后重试。")
    return task_id


def _people(request, name: str, order_field: str | None = None) -> list[Person]:
    """People chosen in a form, in the order they were chosen (依次办理)."""
    ids = [i for i in (_int(v) for v in request.POST.getlist(name)) if i is not None]
    if order_field:
        order = [i for i in (_int(v) for v in request.POST.get(order_field, "").split(",")) if i in ids]
        ids = list(dict.fromkeys(order + ids))
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("unit", "agency")}
    return [found[i] for i in ids if i in found]


def _person(request, name: str) -> Person:
    person = Person.objects.filter(pk=_int(request.POST.get(name))).first()
    if person is None:
        raise DomainError("请选择人员。")
    return person


def _units(request, name: str) -> list[Unit]:
    ids = [i for i in (_int(v) for v in request.POST.getlist(name)) if i is not None]
    found = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _bool(request, name: str) -> bool | None:
    """A checkbox that was shown (``name`` + "_shown" present): True/False; else None."""
    if request.POST.get(f"{name}_shown") is None:
        return None
    return request.POST.get(name) in ("1", "on", "true")


def _opinion(request) -> str:
    return (request.POST.get("opinion") or "").strip()


def _error_category(request) -> str:
    """退回 and 退文 pages always ask for the error-book category (错题本): none chosen is
    refused here, never defaulted."""
    return check_category(request.POST.get("error_category"))


# Each handler calls exactly one service and returns the success message.

def op_send_on(request, person, document):
    lead_unit = Unit.objects.filter(pk=_int(request.POST.get("lead_unit"))).first() if request.POST.get(
        "lead_unit") else None
    assist = _units(request, "assist_units") if request.POST.get("assist_units_shown") else None
    kwargs = dict(
        opinion=_opinion(request), next_assignees=_people(request, "next_assignees", "next_order") or None,
        next_mode=request.POST.get("next_mode") or None, lead_unit=lead_unit, assist_units=assist,
        needs_reply=_bool(request, "needs_reply"), needs_leader_approval=_bool(request, "needs_leader_approval"),
        reply_text=request.POST.get("reply_text") if request.POST.get("reply_text_shown") else None)
    if request.POST.get("supervise"):  # the leader ticked 督办: instruct and supervise in one transaction
        task, item = supervision.instruct_and_supervise(
            _task_id(request), actor=person, supervise=supervise_from_post(request.POST, document.agency), **kwargs)
        document.refresh_from_db()
        return (f"已办理“{task.node_name}”，并列入督办事项{item.number}（批示{item.instruction_count}次）。"
                f"本件当前环节：{document.stage}。")
    task = flow.send_on(_task_id(request), actor=person, **kwargs)
    document.refresh_from_db()
    return f"已办理“{task.node_name}”。本件当前环节：{document.stage}。"


def op_complete(request, person, document):
    flow.complete(_task_id(request), actor=person, opinion=_opinion(request))
    return "本件已办结。"


def op_return(request, person, document):
    target = _int(request.POST.get("to_activation"))
    if target is None:
        raise DomainError("请选择退回到哪个环节。")
    activation = flow.return_task(_task_id(request), actor=person, to_activation_id=target,
                                  reason=request.POST.get("reason", ""), error_category=_error_category(request))
    return f"已退回“{activation.node_name}”。"


def op_add_signer(request, person, document):
    tasks = flow.add_signer(_task_id(request), actor=person, people=_people(request, "people"),
                            note=request.POST.get("note", ""))
    return f"已加签：{'、'.join(t.assignee.name for t in tasks)}。"


def op_transfer(request, person, document):
    task = flow.transfer(_task_id(request), actor=person, to_person=_person(request, "to_person"),
                         reason=request.POST.get("reason", ""))
    return f"已转办给{task.assignee.name}。"


def op_assign(request, person, document):
    task = flow.assign_handler(_task_id(request), actor=person, handler=_person(request, "handler"),
                               note=request.POST.get("note", ""))
    return f"已指定{task.assignee.name}为承办人。"


def op_countersign_request(request, person, document):
    tasks = flow.request_countersign(_task_id(request), actor=person, units=_units(request, "units"),
                                     note=request.POST.get("note", ""))
    return f"已征求会签：{'、'.join(t.assignee_unit.name for t in tasks)}。"


def op_countersign(request, person, document):
    flow.countersign(_task_id(request), actor=person, decision=request.POST.get("decision", ""),
                     opinion=_opinion(request))
    return "会签意见已签署。"


def op_resolve(request, person, document):
    flow.resolve_disagreement(_task_id(request), actor=person, resolution=request.POST.get("resolution", ""))
    return "已记录会签分歧处理情况。"


def op_circulate(request, person, document):
    tasks = flow.circulate(document.pk, actor=person, readers=_people(request, "readers"),
                           note=request.POST.get("note", ""))
    return f"已送传阅：{'、'.join(t.assignee.name for t in tasks)}。"


def op_read_back(request, person, document):
    task = flow.read_back(_task_id(request), actor=person, opinion=_opinion(request))
    if task.role == "duty":
        return "已知悉。"
    return "已阅毕，传阅件已退回办公室。"


def op_recall(request, person, document):
    task = flow.recall(_task_id(request), actor=person)
    return f"已撤回，“{task.node_name}”回到您的待办。"


def op_reject(request, person, document):
    flow.reject(document.pk, actor=person, reason=request.POST.get("reason", ""),
                kind=request.POST.get("kind") or "退文", error_category=_error_category(request))
    return "已退文，本件已退回来文单位。"


def op_register(request, person, document):
    form = IncomingForm(request.POST, agency=document.agency, with_addressed_to=False, auto_id="reg_%s")
    if not form.is_valid():
        errors = "；".join(f"{form.fields[k].label if k in form.fields else ''}{'：' if k in form.fields else ''}"
                          f"{'，'.join(v)}" for k, v in form.errors.items())
        raise DomainError(f"登记信息有误：{errors}")
    registered = incoming_services.register_at_node(_task_id(request), actor=person, data=form.to_data(),
                                               opinion=_opinion(request))
    return f"已登记，收文编号 {registered.registry_number}，已送下一环节。"


OPERATIONS = {
    "send_on": op_send_on, "feedback": op_send_on, "complete": op_complete, "return": op_return,
    "add_signer": op_add_signer, "transfer": op_transfer, "assign": op_assign,
    "countersign_request": op_countersign_request, "countersign": op_countersign, "resolve": op_resolve,
    "circulate": op_circulate, "read_back": op_read_back, "recall": op_recall, "reject": op_reject,
    "register": op_register,
}


@require_POST
@person_required
def operate(request, pk, op):
    handler = OPERATIONS.get(op)
    if handler is None:
        raise Http404()
    person = request.person
    document = visible_document(person, pk)
    run_service(request, lambda: handler(request, person, document), not_found=True, success=lambda message: message)
    if not can_view(person, document):
        # Nothing more to see here (e.g. the whole task was handed on to someone else).
        if request.htmx:
            response = redirect("web:inbox")
            response["HX-Redirect"] = response["Location"]
            return response
        return redirect("web:inbox")
    if request.htmx:
        document = visible_document(person, pk)
        return render(request, "web/includes/document_live.html", page_context(request, document))
    return redirect("web:document", pk=pk)
