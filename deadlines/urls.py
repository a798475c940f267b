from django.urls import path

from . import admin_views, views
from .extensions import views as extension

app_name = "deadlines"

urlpatterns: list = [
    # reminders (催办): my notifications, the office's overdue list, manual 催办
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("overdue/", views.overdue, name="overdue"),
    path("tasks/<int:task_id>/remind/", views.task_remind, name="task_remind"),
    path("documents/<int:pk>/remind/", views.document_remind, name="document_remind"),
    # working calendar, hours, time-limit rules, reminder policy (system administrator)
    path("admin/calendar/", admin_views.calendar_year, name="calendar"),
    path("admin/calendar/<int:year>/", admin_views.calendar_year, name="calendar_year"),
    path("admin/calendar/enter/", admin_views.calendar_enter, name="calendar_enter"),
    path("admin/calendar/day/", admin_views.calendar_day, name="calendar_day"),
    path("admin/hours/", admin_views.hours, name="hours"),
    path("admin/policy/", admin_views.policy, name="policy"),
    path("admin/rules/", admin_views.rule_list, name="rules"),
    path("admin/rules/new/", admin_views.rule_edit, name="rule_new"),
    path("admin/rules/<int:rule_id>/", admin_views.rule_edit, name="rule_edit"),
    path("admin/rules/<int:rule_id>/deactivate/", admin_views.rule_deactivate, name="rule_deactivate"),
    # extensions (延期): request, decide, the sender's agreement, the office's pending list
    path("extensions/", extension.pending_list, name="extensions"),
    path("extensions/<int:extension_id>/decide/", extension.decide_extension, name="extension_decide"),
    path("documents/<int:pk>/extensions/request/", extension.request_extension, name="extension_request"),
    path("documents/<int:pk>/extensions/sender/", extension.record_sender_agreement, name="extension_sender"),
]
