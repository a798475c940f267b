from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("", views.pending, name="pending"),
    path("file/", views.file_item, name="file"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/print/", views.catalogue_print, name="catalogue_print"),
    path("catalogue.xlsx", views.catalogue_xlsx, name="catalogue_xlsx"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/<str:which>.pdf", views.item_file, name="item_file"),
    path("schedule/", views.schedule, name="schedule"),
    path("packages/", views.packages, name="packages"),
    path("packages/<int:pk>/download/", views.package_download, name="package_download"),
]
