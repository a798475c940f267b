from django.urls import path

from . import views

app_name = "exchange_packages"

urlpatterns = [
    path("", views.package_list, name="list"),
    path("import/", views.package_import, name="import"),
    path("<int:pk>/", views.package_detail, name="detail"),
    path("<int:pk>/download/", views.package_download, name="download"),
    path("export/<int:document_id>/", views.package_export, name="export"),
    path("receipt/<int:document_id>/", views.receipt_export, name="receipt_export"),
    path("keys/", views.keys, name="keys"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
