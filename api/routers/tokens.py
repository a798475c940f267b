"""The caller and their API tokens. A token is shown once, when issued; it is issued from a
page session only (never with a token), and revoked with either."""

from ninja import Router, Status

from gongwen.errors import NotFound
from org.security import require_second_factor_for_token

from .. import services
from ..common import ERRORS_WRITE, PathId, caller
from ..errors import error_responses
from ..models import ApiToken
from ..schemas import IssuedTokenOut, MeOut, TokenIn, TokenOut

router = Router(tags=["本人与令牌"])


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="当前调用者")
def me(request):
    return {"person": caller(request), "authenticated_by": "token" if getattr(request, "api_token", None) else "session"}


@router.get("/tokens", response={200: list[TokenOut], **error_responses(401)}, summary="我的接口令牌")
def list_tokens(request):
    return list(ApiToken.objects.filter(person=caller(request)).select_related("person__user"))


@router.post("/tokens", response={201: IssuedTokenOut, **error_responses(*ERRORS_WRITE)},
             summary="签发接口令牌",
             description="返回的 token 只显示这一次；系统只保存其 SHA-256 摘要。只能在页面登录会话中为本人签发"
                         "（用接口令牌调用时拒绝，403）；令牌到期、被吊销、密码修改或本人离岗后即不能再用。")
def issue_token(request, payload: TokenIn):
    me = caller(request)
    require_second_factor_for_token(request, me)  # 等保: the second factor first
    issued = services.issue_token(actor=me, name=payload.name, days=payload.days,
                                  via_token=getattr(request, "api_token", None))
    token = issued.token
    token.token = issued.clear
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **error_responses(*ERRORS_WRITE)},
             summary="吊销接口令牌")
def revoke_token(request, token_id: PathId):
    me = caller(request)
    token = ApiToken.objects.filter(pk=token_id, person=me).first()
    if token is None:
        raise NotFound("未找到该令牌。")
    return services.revoke_token(actor=me, token=token)
