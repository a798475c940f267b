from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.export, name="export"),
    path("print/", views.print_ledger, name="print"),
    path("new/", views.open_item, name="open"),
    path("bulletin/", views.bulletin_page, name="bulletin"),
    path("bulletin/download", views.bulletin_download, name="bulletin_download"),
    path("<int:pk>/", views.item, name="item"),
    path("<int:pk>/<str:op>/", views.item_op, name="item_op"),
]
