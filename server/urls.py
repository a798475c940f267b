from django.urls import include, path

from api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("deadlines/", include("deadlines.urls")),
    path("supervision/", include("supervision.urls")),
    path("stats/", include("stats.urls")),
    path("sealing/", include("sealing.urls")),
    path("exchange/packages/", include("exchange.packages.urls")),
    path("exchange/", include("exchange.urls")),
    path("archive/", include("archive.urls")),
    path("search/", include("search.urls")),
    path("secrecy/", include("secrecy.urls")),
    path("", include("web.urls")),
]

# Chinese error pages with the request id, rendered without the database; JSON under /api/
# (an unknown API path is a JSON 404 too). See web/error_pages.py.
handler400 = "web.error_pages.bad_request"
handler403 = "web.error_pages.permission_denied"
handler404 = "web.error_pages.page_not_found"
handler500 = "web.error_pages.server_error"
