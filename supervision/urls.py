from django.urls import path

from . import views
from .errorbook import views as errorbook_views

app_name = "supervision"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.export, name="export"),
    path("print/", views.print_ledger, name="print"),
    path("new/", views.open_item, name="open"),
    path("bulletin/", views.bulletin_page, name="bulletin"),
    path("bulletin/download", views.bulletin_download, name="bulletin_download"),
    # The error book (错题本, supervision/errorbook/views.py).
    path("errorbook/", errorbook_views.weekly, name="errorbook"),
    path("errorbook/export.xlsx", errorbook_views.export, name="errorbook_export"),
    path("errorbook/print/", errorbook_views.print_report, name="errorbook_print"),
    path("errorbook/correct/<int:pk>/", errorbook_views.correct, name="errorbook_correct"),
    path("<int:pk>/", views.item, name="item"),
    path("<int:pk>/<str:op>/", views.item_op, name="item_op"),
]
