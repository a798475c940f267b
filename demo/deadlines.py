"""The deadlines part of the demo office (called by demo.office.load_demo with its context):
extension requests (延期), then one reminder scan as the background worker would run it,
so the documents already overdue (demo.office DOCS with ``deadline="overdue:N"``) carry their
到期提醒 and 逾期督促, the holders and their heads find them under 消息, and the office
director has chased one of them by hand (人工催办)."""


def load(ctx) -> None:
    from .extensions import load as load_extensions

    load_extensions(ctx)  # a pending extension request and a sender's agreement
    _reminders(ctx)


def _reminders(ctx) -> None:
    from deadlines import reminders
    from flow.models import Task, TaskRole, TaskStatus

    # As of now, not ``ctx.now``: the demo's tasks were written while it loaded.
    reminders.scan()
    document = ctx.docs.get("G24")
    if document is not None and Task.objects.filter(document=document, status=TaskStatus.OPEN,
                                                    role=TaskRole.MAIN).exists():
        reminders.remind(document, actor=ctx.p("zhuren"),
                         message="来文要求的时限已过，请今日下班前办结并报送，确有困难请及时申请延期。")
