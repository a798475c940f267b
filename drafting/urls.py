"""The drafting pages (发文: 拟稿, 正文, the outgoing actions, 发文稿纸, 会签签发, 发文登记簿).
Included by web/urls.py inside the ``web`` namespace, so their names stay ``web:draft_new``,
``web:outgoing_op``, ``web:joint_list``, ``web:outgoing_ledger`` … (templates, tests and
redirects use them)."""

from django.urls import path

from . import joint_views, views

urlpatterns = [
    path("drafts/new/", views.draft_new, name="draft_new"),
    path("documents/<int:pk>/draft/", views.draft_edit, name="draft_edit"),
    path("documents/<int:pk>/body/", views.draft_body, name="draft_body"),
    path("documents/<int:pk>/body/upload/", views.draft_upload, name="draft_upload"),
    path("documents/<int:pk>/body/diff/", views.draft_diff, name="draft_diff"),
    path("documents/<int:pk>/issue/<slug:op>/", views.act, name="outgoing_op"),
    path("documents/<int:pk>/drafting-slip/", views.drafting_slip, name="drafting_slip"),
    path("documents/<int:pk>/files/<int:version_id>/page-<int:page>.png", views.pdf_page, name="pdf_page"),
    path("documents/<int:pk>/joint-signoff-requests/", joint_views.joint_request, name="joint_request"),
    path("joint-signoffs/", joint_views.joint_list, name="joint_list"),
    path("joint-signoffs/<int:pk>/", joint_views.joint_detail, name="joint_detail"),
    path("joint-signoffs/<int:pk>/page-<int:page>.png", joint_views.joint_page, name="joint_page"),
    path("joint-signoffs/<int:pk>/<slug:op>/", joint_views.joint_act, name="joint_act"),
    path("outgoing/ledger/", views.ledger, name="outgoing_ledger"),
    path("outgoing/ledger/print/", views.ledger_print, name="outgoing_ledger_print"),
    path("outgoing/ledger/export.xlsx", views.ledger_export, name="outgoing_ledger_export"),
    path("outgoing/ledger/<int:issued_id>/void/", views.void, name="outgoing_void"),
]
