"""Validation of the elements of a document (条例 Art. 9, RULES.md §2).

Each function returns the cleaned value or raises DomainError with a Chinese message.
"""

import re

from gongwen.errors import DomainError

# re.ASCII: \d is 0-9 only; full-width or other scripts' digits would give one number two spellings.
DOC_NUMBER_RE = re.compile(r"^(?P<code>[\u4e00-\u9fa5A-Za-z]{1,20})〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$", re.ASCII)
SECRECY_TERM_RE = re.compile(r"^(?P<n>[1-9]\d*)(?P<unit>年|个月)$", re.ASCII)
SECRECY_MAX_YEARS = {"绝密": 30, "机密": 20, "秘密": 10}
COPY_NUMBER_RE = re.compile(r"^\d{6}$", re.ASCII)
DOCUMENT_URGENCIES = ("", "特急", "加急")
TELEGRAM_URGENCIES = ("特提", "特急", "加急", "平急")


def clean_doc_number(value: str) -> str:
    """发文字号: 代字〔2026〕7号 — no 第, no leading zeros, only 〔〕."""
    value = (value or "").strip()
    if not value:
        return ""
    if "第" in value:
        raise DomainError(f"发文字号“{value}”不应含“第”字，应写作如“示府办发〔2026〕7号”。")
    if re.search(r"[\[\]()（）【】]", value):
        raise DomainError(f"发文字号“{value}”的年份应使用六角括号〔〕，不能用 []、()、【】。")
    m = DOC_NUMBER_RE.match(value)
    if not m:
        if re.search(r"〔\d{4}〕0\d*号$", value):
            raise DomainError(f"发文字号“{value}”的序号不能有前导零。")
        if re.search(r"〔\d{2}〕", value):
            raise DomainError(f"发文字号“{value}”的年份应写全四位。")
        raise DomainError(f"发文字号“{value}”格式不正确，应为 机关代字〔年份〕序号号，如“示府办发〔2026〕7号”。")
    return value


def clean_secrecy(secrecy: str, term: str) -> tuple[str, str]:
    """密级和保密期限: 绝密/机密/秘密, term at most 30/20/10 years; under a year in months."""
    secrecy = (secrecy or "").strip()
    term = (term or "").strip()
    if not secrecy:
        if term:
            raise DomainError("非涉密公文不应填写保密期限。")
        return "", ""
    if secrecy not in SECRECY_MAX_YEARS:
        raise DomainError(f"密级“{secrecy}”无效，应为 绝密、机密 或 秘密。")
    if not term:
        return secrecy, ""
    m = SECRECY_TERM_RE.match(term)
    if not m:
        raise DomainError(f"保密期限“{term}”格式不正确，应写作如“5年”或“6个月”。")
    n, unit = int(m["n"]), m["unit"]
    if unit == "个月" and n >= 12:
        raise DomainError(f"保密期限“{term}”满一年应以年计，如“{n // 12}年”。" if n % 12 == 0
                          else f"保密期限“{term}”超过一年，应以年计。")
    if unit == "年" and n > SECRECY_MAX_YEARS[secrecy]:
        raise DomainError(f"{secrecy}公文的保密期限不能超过{SECRECY_MAX_YEARS[secrecy]}年。")
    return secrecy, term


def clean_urgency(urgency: str, *, is_telegram: bool) -> str:
    urgency = (urgency or "").strip()
    allowed = TELEGRAM_URGENCIES if is_telegram else DOCUMENT_URGENCIES
    if is_telegram and not urgency:
        raise DomainError("电报必须标注紧急程度：特提、特急、加急 或 平急。")
    if urgency not in allowed:
        names = "、".join(a for a in allowed if a)
        kind = "电报" if is_telegram else "公文"
        raise DomainError(f"{kind}的紧急程度“{urgency}”无效，应为：{names}。")
    return urgency


def clean_copy_number(value: str, *, secrecy: str) -> str:
    value = (value or "").strip()
    if value and not COPY_NUMBER_RE.match(value):
        raise DomainError(f"份号“{value}”应为六位阿拉伯数字，如“000001”。")
    if secrecy and not value:
        raise DomainError("涉密公文必须标注份号。")
    return value


def secrecy_mark(secrecy: str, term: str) -> str:
    if not secrecy:
        return ""
    return f"{secrecy}★{term}" if term else secrecy
