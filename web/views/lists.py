"""工作台 and the lists: 待办, 已办, 待阅, 我登记的."""

from django.shortcuts import render
from django.utils import timezone

from deadlines.pending import summary as pending_summary
from deadlines.services import missing_next_year
from documents.models import Status
from flow import selectors as flow_selectors
from org.selectors import delegators_of
from ui.views import paginate, person_required

from ..filters import TaskFilter, filter_documents

URGENCIES = ["特提", "特急", "加急", "平急"]


@person_required
def dashboard(request):
    person = request.person
    if person.admin_role:
        return render(request, "web/dashboard_admin.html", {"missing_year": missing_next_year(),
                                                            "pending": pending_summary(person)})
    now = timezone.now()
    delegators = delegators_of(person) if person is not None else []  # read once for both lists
    inbox = flow_selectors.inbox(person, delegators)
    to_read = flow_selectors.to_read(person, delegators)
    context = {
        "counts": {
            "inbox": inbox.count(),
            "toread": to_read.count(),
            "today": flow_selectors.due_today(inbox, now).count(),
            "overdue": flow_selectors.overdue(inbox, now).count(),
        },
        "pending": pending_summary(person),
        "latest": list(inbox[:10]),
        "latest_toread": list(to_read[:5]),
        "now": now,
    }
    return render(request, "web/dashboard.html", context)


def _task_list(request, qs, *, title, empty, kind, default_sort="received"):
    f = TaskFilter.from_params(request.GET, default_sort)
    page = paginate(request, f.apply(qs))
    return render(request, "web/task_list.html", {
        "title": title, "page": page, "filter": f, "empty": empty, "kind": kind, "urgencies": URGENCIES,
        "now": timezone.now(),
    })


@person_required
def inbox(request):
    return _task_list(request, flow_selectors.inbox(request.person), title="待办", kind="inbox",
                      empty="没有待办公文。")


@person_required
def toread(request):
    return _task_list(request, flow_selectors.to_read(request.person), title="待阅", kind="toread",
                      empty="没有待阅的传阅件。")


@person_required
def done(request):
    return _task_list(request, flow_selectors.done(request.person), title="已办", kind="done",
                      empty="还没有办理过的公文。", default_sort="done")


@person_required
def registered(request):
    qs = filter_documents(flow_selectors.registered_by(request.person), request.GET)
    page = paginate(request, qs)
    return render(request, "web/registered.html", {
        "title": "我登记的", "page": page, "urgencies": URGENCIES, "statuses": Status.choices,
    })
