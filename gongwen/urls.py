from django.urls import include, path

from api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("deadlines/", include("deadlines.urls")),
    path("supervision/", include("supervision.urls")),
    path("stats/", include("stats.urls")),
    path("sealing/", include("sealing.urls")),
    path("exchange/packages/", include("exchange.package_urls")),
    path("exchange/", include("exchange.urls")),
    path("archive/", include("archive.urls")),
    path("search/", include("search.urls")),
    path("secrecy/", include("secrecy.urls")),
    path("", include("web.urls")),
]
