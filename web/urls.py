from django.urls import include, path

from exchange import views as exchange_views

from .views import (
    account,
    admin_audit,
    admin_flow,
    admin_org,
    documents,
    duty,
    lists,
    operations,
    registry,
)

app_name = "web"

urlpatterns = [
    # signing in and 账号安全 (等保 level 3: password, lockout, second factor, sessions)
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/otp/setup/", account.otp_setup, name="otp_setup"),
    path("account/otp/verify/", account.otp_verify, name="otp_verify"),
    path("account/sessions/end/", account.logout_everywhere, name="logout_everywhere"),
    path("admin/locks/", account.locks, name="locks"),
    path("admin/locks/unlock/", account.unlock, name="unlock"),
    path("admin/otp-reset/", account.otp_reset, name="otp_reset"),
    path("admin/password-resets/<int:record_id>/second-part/", account.second_part, name="second_part"),
    path("admin/org/people/<int:person_id>/password/", account.password_reset, name="password_reset"),
    # 工作台 and the lists
    path("", lists.dashboard, name="dashboard"),
    path("inbox/", lists.inbox, name="inbox"),
    path("done/", lists.done, name="done"),
    path("toread/", lists.toread, name="toread"),
    path("registered/", lists.registered, name="registered"),
    # 收文登记簿
    path("registry/", registry.registry, name="registry"),
    path("registry/export.xlsx", registry.export, name="registry_export"),
    path("registry/print/", registry.print_ledger, name="registry_print"),
    path("registry/returns/", registry.returns, name="returns"),
    # 收文登记 and 直送件 — the incoming app's pages (incoming/urls.py), included here so that their
    # names stay in the web namespace (web:document_new, web:document_direct)
    path("", include("incoming.urls")),
    # the document page, its processing slip, files and operations
    path("documents/<int:pk>/", documents.detail, name="document"),
    path("documents/<int:pk>/slip/", documents.slip, name="document_slip"),
    path("documents/<int:pk>/files/<int:version_id>/", documents.file_version, name="document_file"),
    path("documents/<int:pk>/upload/", documents.upload, name="document_upload"),
    path("documents/<int:pk>/op/<slug:op>/", operations.operate, name="document_op"),
    # 发文: 拟稿, 正文, the outgoing actions, 发文稿纸, 会签签发, 发文登记簿 — the drafting app's pages
    # (drafting/urls.py), included here so that their names stay in the web namespace (web:draft_new …)
    # 分发 from the 发文办理 panel is the exchange's (above drafting): the same URL as web:outgoing_op
    # with op "dispatch", matched here first
    path("documents/<int:pk>/issue/dispatch/", exchange_views.dispatch),
    path("", include("drafting.urls")),
    # 值班表 (everyone of the agency; the office arranges it)
    path("duty/", duty.roster, name="duty"),
    path("duty/<int:shift_id>/remove/", duty.remove, name="duty_remove"),
    # delegations (every person, for themselves)
    path("delegations/", admin_org.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/cancel/", admin_org.delegation_cancel, name="delegation_cancel"),
    # organisation (system administrator; posts and clearances: security administrator)
    path("admin/org/", admin_org.agencies, name="org_agencies"),
    path("admin/org/agencies/<int:agency_id>/", admin_org.agency_detail, name="org_agency"),
    path("admin/org/people/<int:person_id>/", admin_org.person_detail, name="org_person"),
    path("admin/org/import/", admin_org.import_csv, name="org_import"),
    path("admin/org/import/sample-<slug:kind>.csv", admin_org.sample_csv, name="org_sample_csv"),
    # process templates (system administrator)
    path("admin/templates/", admin_flow.template_list, name="template_list"),
    path("admin/templates/<int:template_id>/", admin_flow.template_edit, name="template_edit"),
    # audit log (security auditor)
    path("audit/", admin_audit.audit_log, name="audit_log"),
    path("audit/verify/", admin_audit.verify, name="audit_verify"),
    path("audit/export/", admin_audit.export, name="audit_export"),
    path("audit/checkpoint/", admin_audit.checkpoint, name="audit_checkpoint"),
    path("audit/checkpoints.log", admin_audit.download_checkpoints, name="audit_checkpoints"),
    path("audit/public-key.txt", admin_audit.download_public_key, name="audit_public_key"),
]
