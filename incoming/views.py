"""The pages of intake (收文): 收文登记 by the clerk (文书、机要员) and 直送领导件报送 (直送件,
C04). Each POST calls one service of incoming.services; a refusal writes nothing and is
shown in Chinese beside the form, which keeps what was typed. The 登记 at the 登记 node is an
operation of the document page (web.views.operations, ``op_register``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from documents import access as doc_access
from ui.views import person_required, run_service

from . import services as incoming_services
from .forms import DirectForm, IncomingForm


@person_required
def register(request):
    person = request.person
    if not doc_access.can_register(person, person.agency_id):
        messages.error(request, "只有本机关的文书或机要员可以登记收文。")
        return redirect("web:dashboard")
    initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = IncomingForm(request.POST or None, agency=person.agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: incoming_services.register_incoming(actor=person, agency=person.agency,
                                                                                data=form.to_data()),
                           success=lambda document: f"已登记：{document.registry_number}《{document.title}》，"
                                                    f"已送“{document.stage}”。")
        if done:
            return redirect("web:document", pk=done.result.pk)
    return render(request, "incoming/register.html", {"form": form})


@person_required
def direct(request):
    person = request.person
    form = DirectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leader = form.cleaned_data["leader"]
        done = run_service(request, lambda: incoming_services.submit_direct(actor=person, agency=leader.agency,
                                                                            leader=leader, data=form.to_data()),
                           success=lambda _: f"已报送。按“一个口子进出”的规定，本件不直接送{leader.name}，"
                                             f"已转{leader.agency.short_name}办公室签收登记后按程序呈批。")
        if done:
            document = done.result
            # The submitter holds no task on it: the document page would be a 404 for them.
            if doc_access.can_view(person, document):
                return redirect("web:document", pk=document.pk)
            return redirect("web:dashboard")
    return render(request, "incoming/direct.html", {"form": form})
