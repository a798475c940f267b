from django.urls import path

from . import views

app_name = "sealing"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("print/", views.print_ledger, name="print"),
    path("export.xlsx", views.export, name="export"),
    path("seals/", views.registry, name="seals"),
    path("seals/<int:pk>/<str:op>/", views.seal_op, name="seal_op"),
    path("verify/", views.verify, name="verify"),
    path("uses/<int:pk>/sealed.pdf", views.sealed_pdf, name="sealed_pdf"),
    path("documents/<int:pk>/seal/", views.seal_document, name="seal_document"),
]
