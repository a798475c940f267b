"""The intake pages. Included by web/urls.py inside the ``web`` namespace, so their names
stay ``web:document_new`` and ``web:document_direct`` (templates, tests and redirects use them)."""

from django.urls import path

from . import views

urlpatterns = [
    path("documents/new/", views.register, name="document_new"),
    path("documents/direct/", views.direct, name="document_direct"),
]
