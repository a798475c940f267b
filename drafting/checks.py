"""The document checker (格式关, 文字关): RULES.md §2, §3 and §11 over a draft.

``check_fields(fields)`` checks the structured fields of a draft; ``check_docx(data)``
extracts the paragraphs of an uploaded DOCX, maps them to the parts of a document
(发文字号/签发人, 标题, 主送, 正文, 附件说明, 署名/成文日期, 抄送) and runs the same rules.
Each finding names its rule, its place, a severity (``must`` 必须修改 / ``advise`` 建议修改),
a message and a suggested fix, all in Chinese.

Why our own and not ``gongwen-skill`` (PyPI, MIT, evaluated 2026-11-22, version 2.15.0):
its checker is a YAML-driven *layout* checker (fonts, sizes, margins, run styles of a DOCX)
built around its own DocumentModel and an AI-assisted CLI; it does not cover the text and
routing rules we need (文号 form, date validity, heading sequences, 请示 closings, routing
of 上行文, attachment counts), and it installs top-level packages named ``gongwen`` and
``engine`` — ``gongwen`` collides with our Django project package. We used none of its
code; the layout side is measured on our own rendered PDF (RULES §10) elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from gongwen import safezip
from gongwen.errors import DomainError

MUST = "must"
ADVISE = "advise"
SEVERITY_LABELS = {MUST: "必须修改", ADVISE: "建议修改"}

UP_TYPES = {"请示", "报告"}
DOC_TYPES = ("决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
             "请示", "批复", "议案", "函", "纪要")

LABELS = {"doc_type": "文种", "title": "标题", "main_to": "主送机关", "copy_to": "抄送机关",
          "number": "发文字号", "secrecy": "密级和保密期限", "copy_number": "份号", "signer": "签发人", "date": "成文日期", "direction": "行文方向",
          "attachment_note": "附件说明", "attachments": "附件", "body": "正文"}


@dataclass(frozen=True)
class Finding:
    rule: str
    place: str
    severity: str
    message: str
    fix: str
    excerpt: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def as_dict(self) -> dict:
        return {**asdict(self), "severity_label": self.severity_label}

    def __str__(self) -> str:
        excerpt = f"「{self.excerpt}」" if self.excerpt else ""
        return f"[{self.severity_label}] {self.place}{excerpt}：{self.message}建议：{self.fix}"


CJK = "\u4e00-\u9fff"
CN_NUM = "一二三四五六七八九十"
CLOSING = re.compile(
    r"(妥否|当否|可否|是否妥当|是否可行|以上请示如无不妥)[，,]?\s*请(予)?(批示|批复|审批|审示|示复|指示)"
    r"|请(予)?(批示|批复|审批)[。！]?$"
)
NUMBER_OK = re.compile(rf"^[{CJK}]+〔(\d{{4}})〕([1-9]\d*)号$")
NUMBER_ANY = re.compile(rf"^[{CJK}]+\s*[〔\[【(（［]\s*\d{{4}}\s*[〕\]】)）］]\s*第?\s*\d+\s*号$")
DATE_ANY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ASCII_PUNCT = re.compile(rf"[{CJK}][,;:?!()\"]|[,;:?!()\"][{CJK}]|[{CJK}]\.(?=\s|$|[{CJK}])")
DUPLICATE = re.compile(r"(的|在|与|及|对|为|将|把|被|并|或|之|其)\1")
PLACEHOLDER = re.compile(r"XX|ＸＸ|××|xx|○○")
ADDRESS_NOUNS = "局|委|厅|办|单位|部|院|司|处|市|县|区|省|公司|中心|校"
ADDRESS_HON = re.compile(rf"贵({ADDRESS_NOUNS})")
ADDRESS_PLAIN = re.compile(rf"你({ADDRESS_NOUNS})")
TITLE_END_PUNCT = re.compile(r"[。，、；：！？,.;:!?]$")
ATTACH_HEAD = re.compile(r"^附\s*件\s*[：:]\s*")
ATTACH_ITEM = re.compile(r"^(\d+)[.．]\s*")
ATTACH_REF = re.compile(r"附件\s*(\d+)")

HEADING_FORMS = [  # (level, pattern); the number is group 1
    (1, re.compile(rf"^([{CN_NUM}]+)、")),
    (2, re.compile(rf"^（([{CN_NUM}]+)）")),
    (3, re.compile(r"^(\d+)[.．](?!\d)")),
    (4, re.compile(r"^（(\d+)）")),
]
WRONG_HEADINGS = [  # (level, pattern with the number in group 1, the right form)
    (3, re.compile(r"^(\d+)、"), "阿拉伯数字标题应写作“1.”"),
    (2, re.compile(rf"^\(([{CN_NUM}]+)\)"), "应使用全角括号“（一）”"),
    (4, re.compile(r"^\((\d+)\)"), "应使用全角括号“（1）”"),
    (1, re.compile(rf"^([{CN_NUM}]+)[.．，,]"), "一级标题应写作“一、”"),
    (2, re.compile(rf"^（([{CN_NUM}]+)）[、.．]"), "“（一）”后不加标点"),
]


def cn_number(text: str) -> int:
    digits = {c: i + 1 for i, c in enumerate(CN_NUM[:9])}
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text, 0)


def split_names(text: str) -> list[str]:
    text = (text or "").strip().rstrip("：:。")
    return [n.strip() for n in re.split(r"[、，,；;]", text) if n.strip()]


def _reduplicated(text: str, at: int) -> bool:
    """Whether the pair at ``at`` is half of an AABB word (实实在在, 的的确确), not a slip."""
    before = at >= 2 and text[at - 1] == text[at - 2]
    after = at + 3 < len(text) and text[at + 2] == text[at + 3]
    return before or after


def _excerpt(text: str, pos: int = 0, width: int = 12) -> str:
    start = max(0, pos - width // 2)
    return text[start:start + width]


def _without_reported(key: str, text: str) -> str:
    """The text less what another rule reports already (a wrong heading form, the colon
    after the main recipients), so one fault gives one finding."""
    if key == "body":
        for _, pattern, _ in WRONG_HEADINGS:
            m = pattern.match(text.strip())
            if m:
                return text.strip()[m.end():]
    if key == "main_to":
        return text.rstrip().rstrip(":")
    return text


class _Checker:
    def __init__(self, fields: dict, subordinates, places: dict | None):
        self.f = fields
        self.subordinates = [s for s in (subordinates or []) if s]
        self.places = places or {}
        self.findings: list[Finding] = []

    def place(self, key: str, index: int | None = None) -> str:
        if (key, index) in self.places:
            return self.places[(key, index)]
        if key in self.places:
            return self.places[key]
        label = LABELS.get(key, key)
        return f"{label}第{index + 1}段" if index is not None else label

    def add(self, rule, key, severity, message, fix, excerpt="", index=None):
        self.findings.append(Finding(rule, self.place(key, index), severity, message, fix, excerpt))

    # -- the parts ---------------------------------------------------------------------------
    def texts(self):
        """Every piece of running text with its key and paragraph index."""
        for key in ("title", "main_to", "copy_to"):
            if self.f.get(key):
                yield key, None, self.f[key]
        for i, para in enumerate(self.f.get("body") or []):
            yield "body", i, para
        for i, line in enumerate(self.attachment_lines()):
            yield "attachment_note", i, line

    def attachment_lines(self) -> list[str]:
        note = self.f.get("attachment_note") or []
        if isinstance(note, str):
            note = note.splitlines()
        return [n.strip() for n in note if n and n.strip()]

    @property
    def doc_type(self) -> str:
        doc_type = (self.f.get("doc_type") or "").strip()
        if not doc_type:
            title = (self.f.get("title") or "").strip()
            doc_type = next((t for t in sorted(DOC_TYPES, key=len, reverse=True) if title.endswith(t)), "")
        return doc_type

    @property
    def direction(self) -> str:
        direction = {"上行文": "up", "下行文": "down", "平行文": "parallel"}.get(
            self.f.get("direction") or "", self.f.get("direction") or "")
        return direction or ("up" if self.doc_type in UP_TYPES else "")

    # -- rules -------------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        for rule in (self.secrecy, self.number, self.date, self.title, self.recipients, self.headings, self.punctuation,
                     self.closings, self.attachments, self.words, self.routing):
            rule()
        return self.findings

    def secrecy(self):
        mark = (self.f.get("secrecy") or "").strip()
        copy_number = (self.f.get("copy_number") or "").strip()
        if copy_number and not re.fullmatch(r"\d{6}", copy_number):
            self.add("copy_number.form", "copy_number", MUST, "份号应为6位阿拉伯数字。",
                     f"如“{copy_number.zfill(6)[-6:] if copy_number.isdigit() else '000001'}”。", copy_number)
        if not mark:
            return
        if not copy_number:
            self.add("copy_number.form", "copy_number", MUST, "涉密公文应标注份号。", "标注6位份号，如“000001”。")
        m = re.fullmatch(r"(绝密|机密|秘密)(?:★(\d+)(年|个月))?", mark)
        limit = {"绝密": 30, "机密": 20, "秘密": 10}
        if m is None:
            self.add("secrecy.form", "secrecy", MUST, "密级和保密期限应写作“密级★期限”，密级为绝密、机密或秘密。",
                     "如“机密★5年”“秘密★6个月”。", mark)
        elif m.group(2) and (int(m.group(2)) == 0 or (m.group(3) == "年" and int(m.group(2)) > limit[m.group(1)])
                             or (m.group(3) == "个月" and int(m.group(2)) >= 12)):
            self.add("secrecy.form", "secrecy", MUST,
                     f"{m.group(1)}的保密期限不得超过{limit[m.group(1)]}年，不足一年的以月计。",
                     "改正保密期限。", mark)

    def number(self):
        number = (self.f.get("number") or "").strip()
        if not number or NUMBER_OK.match(number):
            return
        if re.search(r"[\[\]()（）【】［］]", number):
            self.add("number.brackets", "number", MUST, "发文字号的年份应使用六角括号“〔〕”。",
                     "将年份括号改为“〔〕”，如“示府办发〔2026〕7号”。", number)
            number = re.sub(r"[\[(（【［]", "〔", re.sub(r"[\])）】］]", "〕", number))
            if NUMBER_OK.match(number):
                return
        self.add("number.form", "number", MUST,
                 "发文字号应为“机关代字〔年份〕序号号”，年份写全，序号不编虚位（不加“0”）、不加“第”。",
                 "如“示府办发〔2026〕7号”。", self.f.get("number"))

    def _check_date(self, text, key, index=None, whole=False):
        found = list(DATE_ANY.finditer(text))
        if whole and not found:
            self.add("date.invalid", key, MUST, "成文日期应以阿拉伯数字写出年、月、日。",
                     "如“2026年3月8日”。", text, index)
            return
        for m in found:
            y, mo, d = m.groups()
            try:
                date(int(y), int(mo), int(d))
            except ValueError:
                self.add("date.invalid", key, MUST, f"“{m.group(0)}”不是真实存在的日期。",
                         "核对并改正日期。", m.group(0), index)
                continue
            if mo.startswith("0") or d.startswith("0"):
                self.add("date.padding", key, MUST, "日期中的月、日不编虚位（不加“0”）。",
                         f"改为“{int(y)}年{int(mo)}月{int(d)}日”。", m.group(0), index)

    def date(self):
        if (self.f.get("date") or "").strip():
            self._check_date(self.f["date"].strip(), "date", whole=True)
        for i, para in enumerate(self.f.get("body") or []):
            self._check_date(para, "body", i)

    def title(self):
        title = (self.f.get("title") or "").strip()
        if not title:
            return
        if TITLE_END_PUNCT.search(title):
            self.add("title.punct", "title", MUST, "标题末尾不应有标点符号。", "删去标题末尾的标点。", title[-8:])
        doc_type = self.doc_type
        if doc_type in UP_TYPES and not re.search(rf"关于.+的{doc_type}$", title):
            self.add("title.form", "title", MUST, f"{doc_type}的标题应为“关于……的{doc_type}”。",
                     f"如“××关于……的{doc_type}”，以“的{doc_type}”结尾。", title)

    def recipients(self):
        main_to = (self.f.get("main_to") or "").strip()
        if main_to and not main_to.endswith("："):
            self.add("main_to.colon", "main_to", MUST, "主送机关后应使用全角冒号“：”。",
                     "在主送机关末尾加全角冒号“：”。", main_to[-8:])
        copy_to = (self.f.get("copy_to") or "").strip()
        if copy_to and not copy_to.endswith("。"):
            self.add("copy_to.stop", "copy_to", MUST, "抄送机关名称之后应以句号“。”结束。",
                     "在最后一个抄送机关后加“。”。", copy_to[-8:])

    def headings(self):
        last = {1: 0, 2: 0, 3: 0, 4: 0}
        for i, para in enumerate(self.f.get("body") or []):
            text = para.strip()
            wrong = next(((level, hint) for level, pattern, hint in WRONG_HEADINGS if pattern.match(text)), None)
            if wrong:
                self.add("heading.form", "body", MUST, f"标题序号形式不规范：{wrong[1]}。",
                         "结构层次序数依次为“一、”“（一）”“1.”“（1）”。", _excerpt(text), i)
            forms = [(level, pattern) for level, pattern, _ in WRONG_HEADINGS] if wrong else HEADING_FORMS
            for level, pattern in forms:
                m = pattern.match(text)
                if not m:
                    continue
                n = cn_number(m.group(1)) if level <= 2 else int(m.group(1))
                if not wrong and n != last[level] + 1:
                    what = "重复" if n <= last[level] else "跳号"
                    self.add("heading.sequence", "body", MUST,
                             f"标题序号{what}：此处应为第{last[level] + 1}项，实为第{n}项。",
                             "按顺序连续编号，不重复、不跳号。", _excerpt(text), i)
                last[level] = n
                for lower in range(level + 1, 5):
                    last[lower] = 0
                break

    def punctuation(self):
        for key, index, text in self.texts():
            m = ASCII_PUNCT.search(_without_reported(key, text))
            if m:
                self.add("punct.ascii", key, MUST, "中文行文中使用了半角（英文）标点。",
                         "改用全角中文标点，如“，”“；”“：”“（）”。", _excerpt(text, m.start()), index)
            for left, right in (("“", "”"), ("‘", "’"), ("《", "》")):
                depth = 0
                for ch in text:
                    if ch == left:
                        depth += 1
                    elif ch == right:
                        depth -= 1
                        if depth < 0:
                            break
                if depth != 0:
                    self.add("punct.pair", key, MUST, f"“{left}{right}”未成对使用。",
                             f"补齐或删去多余的“{left}”或“{right}”。", _excerpt(text, text.find(left if depth > 0 else right)),
                             index)

    def closings(self):
        body = self.f.get("body") or []
        hits = [(i, m) for i, para in enumerate(body) for m in CLOSING.finditer(para.strip())]
        if self.doc_type == "请示" and body and len(hits) != 1:
            if hits:
                self.add("closing.count", "body", MUST, f"请示只能有一处请求批复的结束语，实有{len(hits)}处（一文一事）。",
                         "保留文末一处结束语，如“妥否，请批示。”", hits[1][1].group(0), hits[1][0])
            else:
                self.add("closing.count", "body", MUST, "请示缺少请求批复的结束语。",
                         "在正文末尾加“妥否，请批示。”或“当否，请批复。”", "")
        if self.doc_type == "报告":
            for i, m in hits:
                self.add("closing.in_report", "body", MUST, "报告中不得夹带请示事项。",
                         "删去请求批复的内容；需要批复的事项另行请示。", m.group(0), i)

    def attachments(self):
        lines = self.attachment_lines()
        names = []
        for i, line in enumerate(lines):
            line = ATTACH_HEAD.sub("", line)
            line = ATTACH_ITEM.sub("", line)
            names.append(line)
            if re.search(r"[。，；、.,;：:！？]$", line):
                self.add("attachment.trailing", "attachment_note", MUST, "附件名称后不加标点符号。",
                         "删去附件名称末尾的标点。", line[-8:], i)
        count = self.f.get("attachments")
        if isinstance(count, list):
            count = len(count)
        if isinstance(count, int) and count != len(names):
            self.add("attachment.count", "attachment_note", MUST,
                     f"附件说明列出{len(names)}个附件，实际附件{count}个。",
                     "使附件说明与所附附件一一对应。", "")
            return
        refs = [int(n) for para in self.f.get("body") or [] for n in ATTACH_REF.findall(para)]
        if refs and max(refs) > len(names):
            self.add("attachment.count", "attachment_note", MUST,
                     f"正文提到附件{max(refs)}，附件说明只列出{len(names)}个附件。",
                     "补全附件说明或改正正文中的附件序号。", "")

    def words(self):
        address = {"hon": None, "plain": None}
        for key, index, text in self.texts():
            m = next((m for m in DUPLICATE.finditer(text) if not _reduplicated(text, m.start())), None)
            if m:
                self.add("text.duplicate", key, ADVISE, f"“{m.group(0)}”疑为重复字。",
                         f"改为“{m.group(1)}”。", _excerpt(text, m.start()), index)
            m = PLACEHOLDER.search(text)
            if m:
                self.add("text.placeholder", key, MUST, f"文中留有占位符“{m.group(0)}”。",
                         "填写实际内容。", _excerpt(text, m.start()), index)
            if address["hon"] is None and ADDRESS_HON.search(text):
                address["hon"] = ADDRESS_HON.search(text).group(0)
            if address["plain"] is None and ADDRESS_PLAIN.search(text):
                address["plain"] = (key, index, ADDRESS_PLAIN.search(text).group(0), text)
        if address["hon"] and address["plain"]:
            key, index, word, text = address["plain"]
            self.add("text.address", key, ADVISE, f"称谓不统一：文中同时使用“{address['hon']}”和“{word}”。",
                     "全文统一使用一种称谓。", _excerpt(text, text.find(word)), index)

    def routing(self):
        if self.direction != "up":
            return
        main = split_names(self.f.get("main_to") or "")
        if len(main) > 1:
            self.add("routing.one_main", "main_to", MUST,
                     f"上行文只能主送一个上级机关，此处主送了{len(main)}个。",
                     "只保留一个主送机关，其他需要知晓的机关列为抄送。", "、".join(main))
        copies = split_names(self.f.get("copy_to") or "")
        subordinate = [c for c in copies if c in self.subordinates]
        if subordinate:
            self.add("routing.copy_subordinate", "copy_to", MUST,
                     f"上行文不得抄送下级机关：{'、'.join(subordinate)}。",
                     "删去抄送中的下级机关。", "、".join(subordinate))
        if not (self.f.get("signer") or "").strip():
            self.add("routing.signer", "signer", MUST, "上行文必须标注签发人。",
                     "填写签发人姓名（上行文由机关主要负责人签发）。", "")


def check_fields(fields: dict, subordinates: list[str] | None = None, *, places: dict | None = None) -> list[Finding]:
    """Check a draft's structured fields (keys: doc_type, title, main_to, copy_to, number,
    signer, date, direction up/down/parallel, attachment_note (lines), attachments (count or
    names), body (paragraphs)). ``subordinates``: names of this agency's subordinates."""
    return _Checker(fields, subordinates, places).run()


# --- DOCX ------------------------------------------------------------------------------------

SIGNER_LINE = re.compile(r"签\s*发\s*人\s*[：:]\s*(\S*)")
NUMBER_LINE = re.compile(rf"^[{CJK}]+\s*[〔\[【(（［]\s*\d{{2,4}}\s*[〕\]】)）］]\s*第?\s*\d+\s*号")
ORG_END = re.compile(r"(局|府|厅|委|部|门|室|院|会|处|司|中心|单位|公司|办)[：:;；，,]?$")
DATE_LINE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\S*\d{4}年\d{1,2}月\d{1,2}日$|^[〇○零一二三四五六七八九十]{4}年[一二三四五六七八九十]+月[一二三四五六七八九十]+日$")


def docx_paragraphs(data: bytes) -> list[str]:
    """The non-empty paragraphs of a DOCX, or a DomainError in Chinese for anything else.
    The archive is inflated within the bounds of ``gongwen.safezip`` before python-docx
    reads it: a decompression bomb is refused (``ZipRefused``, naming the limit)."""
    if not data:
        raise DomainError("上传的文件是空的，请选择一个 DOCX 文件。", code="empty_file")
    if not safezip.is_zip(data):
        raise DomainError("上传的文件不是 DOCX 文件（Word 2007 及以上格式），请另存为 .docx 后再检查。",
                          code="not_docx")
    try:
        document = safezip.docx_document(data)
    except safezip.ZipRefused as exc:
        if exc.code == "zip_invalid":
            raise DomainError("上传的文件不是 DOCX 文件（Word 2007 及以上格式），请另存为 .docx 后再检查。",
                              code="not_docx") from exc
        if exc.code != "zip_broken":
            raise
        raise DomainError("无法读取该 DOCX 文件，文件可能已损坏，请在 Word 中重新保存后再试。",
                          code="broken_docx") from exc
    except Exception as exc:  # noqa: BLE001 (python-docx has many errors for a ZIP that is not a Word document)
        raise DomainError("无法读取该 DOCX 文件，文件可能已损坏，请在 Word 中重新保存后再试。",
                          code="broken_docx") from exc
    return [p.text.strip() for p in document.paragraphs if p.text.strip()]


def docx_fields(paragraphs: list[str]) -> tuple[dict, dict]:
    """Map paragraphs to the parts of a document heuristically; returns (fields, places)."""
    fields: dict = {"body": []}
    places: dict = {}

    def at(key, n, index=None, label=None):
        places[(key, index) if index is not None else key] = f"第{n + 1}段（{label or LABELS[key]}）"

    i, n = 0, len(paragraphs)
    # head: agency mark, 发文字号, 签发人
    while i < n and i < 6:
        text = paragraphs[i]
        signer = SIGNER_LINE.search(text)
        number = NUMBER_LINE.match(text)
        if number:
            fields["number"] = number.group(0).strip()
            at("number", i)
        if signer:
            fields["signer"] = signer.group(1)
            at("signer", i)
        marked = re.fullmatch(r"\d{1,8}", text) or re.match(r"(绝密|机密|秘密)|\S{1,4}★", text)
        if re.fullmatch(r"\d{1,8}", text):
            fields["copy_number"] = text
            at("copy_number", i)
        elif marked:
            fields["secrecy"] = text
            at("secrecy", i)
        if number or signer or marked or text.endswith("文件") or re.fullmatch(r"\d{6}|(绝密|机密|秘密)★?.*|特急|加急", text):
            i += 1
            continue
        break
    # title: up to the main-recipient line (short, ends with a colon)
    main_at = next((j for j in range(i, min(n, i + 5))
                    if len(paragraphs[j]) <= 60 and paragraphs[j].endswith(("：", ":"))), None)
    if main_at is None and i + 1 < n and len(paragraphs[i + 1]) <= 40 and "。" not in paragraphs[i + 1] \
            and ORG_END.search(paragraphs[i + 1]):
        main_at = i + 1  # a main-recipient line without its colon
    title_end = main_at if main_at is not None else i + 1
    if i < n:
        fields["title"] = "".join(paragraphs[i:title_end])
        at("title", i)
    if main_at is not None:
        fields["main_to"] = paragraphs[main_at]
        at("main_to", main_at)
    i = title_end + (1 if main_at is not None else 0)
    # tail: 抄送 / 印发 (版记), date, signature
    end = n
    for j in range(n - 1, i - 1, -1):
        text = paragraphs[j]
        if text.startswith("抄送"):
            fields["copy_to"] = re.sub(r"^抄\s*送\s*[：:]\s*", "", text)
            at("copy_to", j)
            end = min(end, j)
        elif text.endswith("印发") or text.startswith("（此件") or text.startswith("(此件"):
            end = min(end, j)
    date_at = next((j for j in range(end - 1, max(i - 1, end - 4), -1) if DATE_LINE.match(paragraphs[j])), None)
    if date_at is not None:
        fields["date"] = paragraphs[date_at]
        at("date", date_at)
        end = date_at
        if end - 1 >= i and len(paragraphs[end - 1]) <= 30 and not re.search(r"[。，；：]", paragraphs[end - 1]):
            end -= 1  # the issuing agency's signature
    # attachment note
    attach_at = next((j for j in range(i, end) if ATTACH_HEAD.match(paragraphs[j])), None)
    body_end = attach_at if attach_at is not None else end
    if attach_at is not None:
        notes = [paragraphs[attach_at]]
        at("attachment_note", attach_at, 0)
        for j in range(attach_at + 1, end):
            if not ATTACH_ITEM.match(paragraphs[j]):
                break
            at("attachment_note", j, len(notes))
            notes.append(paragraphs[j])
        fields["attachment_note"] = notes
    for j in range(i, body_end):
        at("body", j, len(fields["body"]), "正文")
        fields["body"].append(paragraphs[j])
    return fields, places


def check_docx(data: bytes, subordinates: list[str] | None = None, *, doc_type: str = "",
               direction: str = "") -> list[Finding]:
    """Check an uploaded DOCX; a DomainError (Chinese) when it is not a readable DOCX."""
    fields, places = docx_fields(docx_paragraphs(data))
    if doc_type:
        fields["doc_type"] = doc_type
    if direction:
        fields["direction"] = direction
    return check_fields(fields, subordinates, places=places)


def has_must(findings: list[Finding]) -> bool:
    return any(f.severity == MUST for f in findings)
