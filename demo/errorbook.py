"""The error-book part of the demo office (错题本, C14), called by demo.office.load_demo with
its context.

The demo's 退文 (G05 直送件, G38 一文多事, G39 乱投件) and 退回 (G10) have already written
their entries through the engine. This adds corrections found in review (审核纠错) by the
office director, the secretariat and the clerk, so that the office director (孙国强,
``zhuren``) finds this week's report filled in every column and the week before not
empty. Everything goes through the service; only two entries are moved
into the previous week afterwards (a demo office that has been working for some weeks).
"""

from datetime import timedelta

from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord

# (document key, reviewer, category, unit at fault, description, days ago)
CORRECTIONS = [
    ("G32", "zhuren", "内容", "综合一科", "请示办理意见未说明养护资金来源和分年度安排，已要求补充。", 7),
    ("G31", "wenshu", "格式", "综合三科", "答复函附件说明位置不符合公文格式要求，附件名称后多加了标点。", 8),
    ("G29", "mishu", "文字", "综合二科", "答复稿将“民生实事”误写为“民生事实”，将“截至”误写为“截止”。", 0),
    ("G24", "zhuren", "时效", "综合一科", "报送省交通运输厅的完成情况晚于要求时限，未事先申请延期。", 0),
    ("G26", "zhuren", "程序", "秘书科", "加急函件初审时未核对来文时限即送拟办，险些误期。", 0),
    ("G23", "mishu", "格式", "综合二科", "拟报送的情况报告未标注成文日期，页码位置不规范。", 0),
    ("G15", "zhuren", "内容", "综合一科", "请示代拟意见未写明征地拆迁补偿标准的政策依据，已要求补充。", 0),
]


def load(ctx) -> None:
    made = []
    for key, username, category, unit_name, description, days_ago in CORRECTIONS:
        document = ctx.docs.get(key)
        if document is None:
            continue
        record = errorbook.record_correction(document, actor=ctx.p(username), category=category,
                                             unit_at_fault=ctx.units[("gov", unit_name)], description=description)
        made.append((record, days_ago))
    for record, days_ago in made:
        if days_ago:
            ErrorRecord.objects.filter(pk=record.pk).update(recorded_at=ctx.now - timedelta(days=days_ago))
