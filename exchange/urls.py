from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("box/", views.box, name="box"),
    path("list/", views.listing, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("deliveries/<int:pk>/paper-receipt/", views.paper_receipt, name="paper_receipt"),
    path("documents/<int:pk>/forward/", views.forward, name="forward"),
]
