"""The floor of `make bench` (issue 12): a bare Django view served exactly as the pages are.

One indexed query (a document by primary key, no visibility rules, no related rows) and one
small template rendered without the request (so no context processor, no navigation), behind
the same gunicorn, settings and middleware stack as every page: session, authentication,
CSRF, CSP, the 等保 checks. What a page costs beyond this is what our own code costs, so
bench/capacity.py reports every page as a multiple of this view measured in the same run.

Served with DJANGO_SETTINGS_MODULE=bench.floor_settings (the project's settings, plus this
URL in front of the project's own): only by the bench, never by `make run`.
"""

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path

from documents.models import Document


def floor(request, pk: int):
    row = Document.objects.filter(pk=pk).values("pk", "title", "doc_number", "received_at").first()
    if row is None:
        raise Http404
    return HttpResponse(render_to_string("bench/floor.html", {"row": row}))


urlpatterns = [
    path("_bench/floor/<int:pk>/", floor),
    path("", include("server.urls")),
]

handler400 = "web.error_pages.bad_request"
handler403 = "web.error_pages.permission_denied"
handler404 = "web.error_pages.page_not_found"
handler500 = "web.error_pages.server_error"
