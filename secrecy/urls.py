from django.urls import path

from . import views

app_name = "secrecy"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("print/", views.print_ledger, name="print"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.register, name="register"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/copies/<int:copy_pk>/<str:op>/", views.copy_op, name="copy_op"),
    path("documents/<int:pk>/<str:op>/", views.document_op, name="document_op"),
    path("returns/", views.returns, name="returns"),
    path("returns/request/", views.request_return, name="request_return"),
    path("destructions/", views.destructions, name="destructions"),
    path("destructions/new/", views.destruction_new, name="destruction_new"),
    path("destructions/<int:pk>/<str:op>/", views.destruction_op, name="destruction_op"),
]
