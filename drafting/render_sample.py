"""A sample document in the 文件格式 (tests, bench and the demo)."""

from __future__ import annotations

from .render import Attachment, BodyParagraph, RenderInput

FULL = "为进一步加强和改进机关公文处理工作提高公文质量和办文效率现就有关事项通知如下请认真贯彻执行"


def sample(pages: int = 2, **overrides) -> RenderInput:
    body = [BodyParagraph("一、总体要求", 1), BodyParagraph("（一）工作目标", 2)]
    n = 0
    while len(body) < pages * 8:
        n += 1
        body.append(BodyParagraph(FULL * 3, 0))
        if n % 3 == 0:
            body.append(BodyParagraph(f"{n}.严格执行公文处理规定", 3))
            body.append(BodyParagraph(f"（{n}）按时办结", 4))
    data = RenderInput(
        agency_mark="某市人民政府办公室",
        title="某市人民政府办公室关于进一步加强公文处理工作的通知",
        doc_number="某政办发〔2026〕5号",
        main_recipients="各区人民政府，市政府各部门",
        body=body,
        attachments=[Attachment("公文处理工作要点", [BodyParagraph(FULL * 2)])],
        issuing_agency="某市人民政府办公室",
        date="2026年3月8日",
        copy_number="000123",
        secrecy="秘密★1年",
        urgency="特急",
        cc="市委办公室，市人大常委会办公室，市政协办公室",
        printing_agency="某市人民政府办公室",
        printing_date="2026年3月8日",
    )
    for k, v in overrides.items():
        setattr(data, k, v)
    return data
