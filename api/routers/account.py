"""账号安全 over the API (等保 level 3): a person changes his own password; the system
administrator resets another's; the security administrator sees and lifts login locks.
The rules and the audit events are those of the pages (org/security.py)."""

from datetime import datetime

from django.contrib.auth import update_session_auth_hash
from ninja import Field, Router, Schema

from org import passwords
from org import security as auth_security

from ..common import ERRORS_WRITE, PathId, caller, person_ref
from ..errors import error_responses
from ..schemas import Id, InSchema

router = Router(tags=["账号安全"])


class PasswordChangeIn(InSchema):
    old_password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class PasswordChangedOut(Schema):
    changed_at: datetime
    expires_at: datetime = Field(description=f"须在此前再次修改（每{passwords.max_age().days}天）")


class PasswordResetIn(InSchema):
    person_id: Id
    new_password: str = Field(..., max_length=128,
                              description="初始密码的第一段（须符合密码规则）；第二段由系统生成，只给安全保密管理员查看一次")


class PasswordResetOut(Schema):
    person_id: int
    record_id: int = Field(description="本次重置（安全保密管理员据此查看第二段）")
    reset_at: datetime
    must_change: bool


class SecondPartPendingOut(Schema):
    record_id: int
    person_id: int | None
    person_name: str
    reset_at: datetime
    reset_by: str


class SecondPartOut(Schema):
    record_id: int
    person_id: int | None
    second_part: str = Field(description="初始密码的第二段：当面或密封告知本人；只显示这一次")


class LoginLockOut(Schema):
    kind: str = Field(description="account（账号）或 address（地址）")
    key: str = Field(description="登录名或 IP 地址")
    person_id: int | None
    failures: int
    last_failure_at: datetime
    until: datetime = Field(description="到时自动解除")


class UnlockIn(InSchema):
    kind: str = Field(..., pattern="^(account|address)$")
    key: str = Field(..., min_length=1, max_length=150)


class UnlockOut(Schema):
    kind: str
    key: str
    cleared: int


@router.post("/password", response={200: PasswordChangedOut, **error_responses(*ERRORS_WRITE)},
             summary="修改本人密码",
             description="原密码输错与登录失败一同计数，连续5次锁定账号。通过页面会话调用时，本会话保持登录，其他会话失效。")
def change_password(request, payload: PasswordChangeIn):
    me = caller(request)
    record = auth_security.change_password(actor=me, old_password=payload.old_password,
                                           new_password=payload.new_password, request=request)
    if getattr(request, "api_token", None) is None and request.user.is_authenticated:
        update_session_auth_hash(request, record.user)
        request.session.pop(passwords.PASSWORD_CHANGE, None)
    return {"changed_at": record.set_at, "expires_at": record.set_at + passwords.max_age()}


@router.post("/password-resets", response={200: PasswordResetOut, **error_responses(*ERRORS_WRITE)},
             summary="重置他人密码（系统管理员）",
             description="三员相互制约：系统管理员设置初始密码的第一段，系统生成第二段，只给安全保密管理员查看一次，"
                         "初始密码为两段连写；任何一名管理员单独都不知道完整密码。本人下次登录时须修改，"
                         "该账号已登录的会话全部失效。管理员的密码只能由本人修改。")
def reset_password(request, payload: PasswordResetIn):
    target = person_ref(payload.person_id)
    record = auth_security.reset_password(actor=caller(request), person=target, new_password=payload.new_password)
    return {"person_id": target.pk, "record_id": record.pk, "reset_at": record.set_at, "must_change": True}


class OtpResetIn(InSchema):
    username: str = Field(..., max_length=150, description="要解除身份验证器绑定的人员登录名")


class OtpResetOut(Schema):
    person_id: int
    devices_removed: int


@router.post("/otp-resets", response={200: OtpResetOut, **error_responses(*ERRORS_WRITE)},
             summary="重置他人的双因素认证（安全保密管理员）",
             description="人员丢失身份验证器时解除其绑定，其全部会话退出；不能重置自己的。记入安全审计日志。")
def reset_second_factor(request, payload: OtpResetIn):
    person, count = auth_security.reset_second_factor(actor=caller(request), username=payload.username)
    return {"person_id": person.pk, "devices_removed": count}


@router.get("/password-resets/pending", response={200: list[SecondPartPendingOut], **error_responses(401, 403)},
            summary="待查看第二段的密码重置（安全保密管理员）")
def pending_resets(request):
    return [{"record_id": r.pk, "person_id": getattr(getattr(r.user, "person", None), "pk", None),
             "person_name": getattr(getattr(r.user, "person", None), "name", r.user.username),
             "reset_at": r.set_at, "reset_by": r.set_by.name if r.set_by_id else ""}
            for r in auth_security.pending_second_parts(caller(request))]


@router.post("/password-resets/{record_id}/second-part", response={200: SecondPartOut, **error_responses(*ERRORS_WRITE)},
             summary="查看重置密码的第二段（安全保密管理员，只此一次）")
def show_second_part(request, record_id: PathId):
    record, second = auth_security.show_second_part(actor=caller(request), record_id=record_id)
    return {"record_id": record.pk, "person_id": getattr(getattr(record.user, "person", None), "pk", None),
            "second_part": second}


@router.get("/locks", response={200: list[LoginLockOut], **error_responses(401, 403)},
            summary="当前登录锁定（安全保密管理员）")
def list_locks(request):
    from gongwen.errors import PermissionDenied
    from org.models import AdminRole

    if caller(request).admin_role != AdminRole.SECURITY:
        raise PermissionDenied("只有安全保密管理员可以查看和解除登录锁定。")
    return [{"kind": lock.kind, "key": lock.key, "person_id": getattr(lock.person, "pk", None),
             "failures": lock.failures, "last_failure_at": lock.last_failure_at, "until": lock.until}
            for lock in auth_security.current_locks()]


@router.post("/locks/unlock", response={200: UnlockOut, **error_responses(*ERRORS_WRITE)},
             summary="解除登录锁定（安全保密管理员）")
def unlock(request, payload: UnlockIn):
    cleared = auth_security.unlock(actor=caller(request), kind=payload.kind, key=payload.key)
    return {"kind": payload.kind, "key": payload.key.strip(), "cleared": cleared}
