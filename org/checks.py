"""The deployment check that refuses to serve with demo passwords (等保 level 3).

``make run`` loads the demo office, whose accounts share a published password
(demo/office.py); it sets GONGWEN_DEMO=1 (settings.DEMO_MODE). Started any other way, a
deployment must not serve while an account can still be entered with that password:
this Django system check is an Error then, which stops ``runserver`` and ``migrate``,
and server/wsgi.py runs it before it serves (WSGI servers run no system checks).
"""

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


def demo_password_errors() -> list[Error]:
    if settings.DEMO_MODE:
        return []
    from .security import accounts_with_demo_password

    try:
        accounts = accounts_with_demo_password()
    except DatabaseError:  # not migrated yet: there are no accounts to look at
        return []
    if not accounts:
        return []
    shown = "、".join(accounts[:10]) + (f" 等{len(accounts)}个账号" if len(accounts) > 10 else "")
    return [Error(
        f"以下账号仍在使用公开的演示密码，拒绝以正式部署方式启动：{shown}。",
        hint="请为这些账号修改密码（manage.py changepassword 登录名，或由系统管理员在页面上重置），"
             "或停用这些账号；只用于演示时，请用 make run 启动（它设置 GONGWEN_DEMO=1）。",
        id="org.E001")]


def refuse_demo_passwords() -> None:
    """For server/wsgi.py: stop before serving, with the check's message."""
    from django.core.exceptions import ImproperlyConfigured

    errors = demo_password_errors()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")


# Run by every management command that runs the system checks (runserver, migrate, check),
# whatever ``databases`` it passes: the point is to stop a server from starting.
@register("security")
def demo_passwords(app_configs=None, **kwargs):
    return demo_password_errors()
