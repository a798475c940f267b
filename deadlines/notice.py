"""Reading the State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知)
into a year's schedule: the holiday ranges (放假), the days off in lieu (补休) and the
make-up workdays (调休上班).

Written by hand because no library reads these notices: ``chinesecalendar`` ships the data
it transcribed, not a reader, and stops at the last year it knows. The notices are short
and regular (one numbered line per holiday), so a strict reader is simple, and strict is
the point: every line must be accounted for. A line the reader does not understand, a date
that does not exist, a weekday that does not match its date ("1月1日（周五）" in a year
where it is a Thursday), a day count that does not match its range ("共7天" over eight
days), a make-up workday on a weekday: each is refused with the line quoted, never
skipped or guessed. The administrator then sees the result as a year view before saving.

The forms the notices of 2010–2026 use (tests/data/holiday_notices):
    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。
    一、元旦：1月1日（周三）放假1天，不调休。
    三、清明节：4月5日放假，4月7日（星期一）补休。
    五、端午节：6月7日放假，与周末连休。
    一、元旦：1月1日至3日放假公休，共3天。
    二、春节：2月13日至19日放假调休，共7天。2月20日（星期六）、21日（星期日）上班。
    六、中秋节、国庆节：10月1日至8日放假调休，共8天。9月30日（星期六）上班。
and an advice that changes no day ("鼓励各单位…安排职工在除夕（2月9日）休息。"), shown as a
note. Days of a neighbouring year (the 元旦 break from 30 December) are kept apart: they
belong to that year's calendar (``services.enter_year(adjacent=...)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from gongwen.errors import DomainError

from . import services
from .services import DayRange

__all__ = ["Notice", "parse_notice", "enter_notice", "NoticeError"]

WEEKDAYS = "一二三四五六日"


class NoticeError(DomainError):
    """The notice text cannot be read as a whole; the message quotes the line."""

    def __init__(self, message: str):
        super().__init__(message, code="notice_unreadable")


@dataclass
class Notice:
    year: int
    holidays: list[tuple[str, date, date]] = field(default_factory=list)  # name, first, last day off
    in_lieu: list[tuple[str, date]] = field(default_factory=list)  # 补休
    workdays: list[tuple[str, date]] = field(default_factory=list)  # 调休上班
    notes: list[str] = field(default_factory=list)  # advice that sets no day
    number: str = ""  # 国办发明电〔2025〕7号

    def days(self) -> dict[date, tuple[bool, str]]:
        """Every day the notice sets: date → (is a workday, name)."""
        out: dict[date, tuple[bool, str]] = {}
        for name, first, last in self.holidays:
            d = first
            while d <= last:
                out[d] = (False, name)
                d += timedelta(days=1)
        for name, d in self.in_lieu:
            out[d] = (False, name)
        for name, d in self.workdays:
            out[d] = (True, f"{name}调休上班")
        return dict(sorted(out.items()))

    def ranges(self) -> tuple[list[DayRange], list[DayRange]]:
        """The notice's own year as ``services.enter_year`` takes it: holiday ranges and
        make-up workdays, each clipped to the year."""
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        holidays = [DayRange(max(a, first), min(b, last), name) for name, a, b in self.holidays
                    if a <= last and b >= first]
        holidays += [DayRange(d, d, name) for name, d in self.in_lieu if d.year == self.year]
        workdays = [DayRange(d, d, f"{name}调休上班") for name, d in self.workdays if d.year == self.year]
        return holidays, workdays

    def adjacent(self) -> list[tuple[date, bool, str]]:
        """Days the notice sets in a neighbouring year (date, is a workday, name)."""
        return [(d, w, n) for d, (w, n) in self.days().items() if d.year != self.year]

    @property
    def title(self) -> str:
        return f"国务院办公厅关于{self.year}年部分节假日安排的通知" + (f"（{self.number}）" if self.number else "")


# --- the text --------------------------------------------------------------------------------------

# Pasted text comes from web pages and word processors: half-width punctuation, full-width
# digits, indentation and non-breaking spaces.
_TRANSLATE = str.maketrans({":": "：", ",": "，", "(": "（", ")": "）", ";": "；", "[": "〔", "]": "〕",
                            **{chr(0xFF10 + i): str(i) for i in range(10)}})
_SPACES = re.compile(r"[\s\u00a0\u3000]+")

_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?"
DATE = re.compile(_DATE)
_DATES = rf"{_DATE}(?:、{_DATE})*"
ITEM = re.compile(r"([一二三四五六七八九十]{1,3})、([^：，。]{1,20})：(.+)")
HOLIDAY = re.compile(rf"(?P<a>{_DATE})(?:至(?P<b>{_DATE}))?放假(?:调休|公休)?(?:(?P<n>\d+)天)?(?P<rest>(?:，[^，]+)*)")
WORKDAYS = re.compile(rf"(?P<list>{_DATES})上班")
IN_LIEU = re.compile(rf"(?P<a>{_DATE})补休")
COUNT = re.compile(r"共(\d+)天")
YEAR = re.compile(r"(?:关于|现将)(\d{4})年")
NUMBER = re.compile(r"国办发明电〔\d{4}〕\d+号")
_CN_DIGITS = "〇○零一二三四五六七八九十"
FRAME = [
    re.compile(r".*部分节假日安排的通知.*"),  # the title, also as a news agency's lead-in
    NUMBER,
    re.compile(r"各省、自治区、直辖市人民政府.*："),
    re.compile(r"(经国务院批准|经党中央、国务院批准|根据|按照上述原则).*"),
    re.compile(r".*通知如下。?"),
    re.compile(r"(节假日期间|鼓励单位和个人).*"),
    re.compile(r"国务院办公厅"),
    re.compile(r"(\d{4}年)?\d{1,2}月\d{1,2}日"),
    re.compile(rf"[{_CN_DIGITS}]{{4}}年[{_CN_DIGITS}]{{1,3}}月[{_CN_DIGITS}]{{1,3}}日"),
    re.compile(r"（此件公开发布）"),
]


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _SPACES.sub("", raw.translate(_TRANSLATE))
        if line:
            out.append((number, line))
    return out


class _Reader:
    """Reads one item line; ``where`` names it in every refusal."""

    def __init__(self, year: int, number: int, line: str):
        self.year = year
        self.where = f"第{number}行“{line}”"
        self.context: tuple[int, int | None] = (year, None)

    def fail(self, what: str):
        raise NoticeError(f"{self.where}{what}请核对通知原文后重新粘贴。")

    def date(self, y, m, d, note) -> date:
        """A date as written, taking the year and month it leaves out from the date before
        it in the same sentence ("1月1日至3日", "2月20日、21日")."""
        year = int(y) if y else self.context[0]
        month = int(m) if m else self.context[1]
        if month is None:
            self.fail(f"：“{d}日”缺少月份。")
        try:
            value = date(year, month, int(d))
        except ValueError:
            self.fail(f"：{year}年{month}月{d}日不是有效日期。")
        if abs(value.year - self.year) > 1:
            self.fail(f"：{value.year}年{month}月{d}日不在{self.year}年前后。")
        self.context = (year, month)
        if note:
            for part in note.split("、"):
                said = re.fullmatch(r"(?:星期|周)([一二三四五六日天])", part)
                if said:
                    written = "日" if said.group(1) == "天" else said.group(1)
                    actual = WEEKDAYS[value.weekday()]
                    if written != actual:
                        self.fail(f"：{value.month}月{value.day}日是星期{actual}，通知写作“{part}”。")
        return value

    def dates(self, text: str) -> list[date]:
        return [self.date(*m.groups()) for m in DATE.finditer(text)]


def _item(reader: _Reader, name: str, body: str, notice: Notice) -> None:
    sentences = [s for s in body.split("。") if s]
    if not sentences:
        reader.fail("没有放假安排。")
    for sentence in sentences:
        reader.context = (reader.year, None)
        holiday = HOLIDAY.fullmatch(sentence)
        if holiday:
            first = reader.date(*DATE.fullmatch(holiday.group("a")).groups())
            last = reader.date(*DATE.fullmatch(holiday.group("b")).groups()) if holiday.group("b") else first
            if last < first:
                reader.fail("：放假的结束日期早于开始日期。")
            length = (last - first).days + 1
            if length > 20:
                reader.fail(f"：放假{length}天，超过20天。")
            counts = [int(holiday.group("n"))] if holiday.group("n") else []
            for clause in (c for c in holiday.group("rest").split("，") if c):
                if COUNT.fullmatch(clause):
                    counts.append(int(COUNT.fullmatch(clause).group(1)))
                elif clause in ("与周末连休", "不调休"):
                    continue
                elif IN_LIEU.fullmatch(clause):
                    notice.in_lieu.append((name, reader.date(*DATE.fullmatch(IN_LIEU.fullmatch(clause).group("a")).groups())))
                elif WORKDAYS.fullmatch(clause):
                    notice.workdays += [(name, d) for d in reader.dates(clause)]
                else:
                    reader.fail(f"中的“{clause}”无法识别。")
            for count in counts:
                if count != length:
                    reader.fail(f"：写明共{count}天，但{first.month}月{first.day}日至{last.month}月{last.day}日是{length}天。")
            notice.holidays.append((name, first, last))
        elif WORKDAYS.fullmatch(sentence):
            notice.workdays += [(name, d) for d in reader.dates(sentence)]
        elif sentence.startswith("鼓励"):
            notice.notes.append(f"{name}：{sentence}。")
        else:
            reader.fail(f"中的“{sentence}。”无法识别。")


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read the notice; ``year``, when given (the form's year), must be the notice's own."""
    lines = _lines(text)
    if not lines:
        raise NoticeError("请粘贴国务院办公厅关于节假日安排的通知全文。")
    found = next((int(m.group(1)) for _, line in lines for m in [YEAR.search(line)] if m), None)
    if found is None:
        raise NoticeError("没有找到通知的年度：请连同标题“国务院办公厅关于20XX年部分节假日安排的通知”"
                          "或“现将20XX年……通知如下”一句一并粘贴。")
    if year is not None and year != found:
        raise NoticeError(f"粘贴的是{found}年的通知，与所选年度{year}年不符。")
    notice = Notice(found)
    for number, line in lines:
        item = ITEM.fullmatch(line)
        if item:
            _item(_Reader(found, number, line), item.group(2), item.group(3), notice)
            continue
        if any(p.fullmatch(line) for p in FRAME):
            if not notice.number and NUMBER.search(line):
                notice.number = NUMBER.search(line).group(0)
            continue
        raise NoticeError(f"第{number}行“{line}”无法识别：通知中只应有标题、文号、主送、"
                          "“经国务院批准……”、各节日的放假安排（如“一、元旦：1月1日放假……”）、结尾和落款。"
                          "请删去其他内容，或核对后重新粘贴。")
    if not notice.holidays:
        raise NoticeError(f"没有读到{found}年的放假安排：各节日应写作“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。”。")
    seen: dict[date, bool] = {}
    for d, (is_workday, _name) in ((d, v) for d, v in _all_days(notice)):
        if d in seen and seen[d] != is_workday:
            raise NoticeError(f"{d.year}年{d.month}月{d.day}日既是放假又是上班，请核对通知原文。")
        seen[d] = is_workday
        if is_workday and d.weekday() < 5:
            raise NoticeError(f"{d.year}年{d.month}月{d.day}日是星期{WEEKDAYS[d.weekday()]}，本是工作日，"
                              "通知不会把它列为调休上班日，请核对。")
    return notice


def _all_days(notice: Notice):
    """Every (day, (is a workday, name)) the notice names, duplicates included."""
    for name, first, last in notice.holidays:
        d = first
        while d <= last:
            yield d, (False, name)
            d += timedelta(days=1)
    for name, d in notice.in_lieu:
        yield d, (False, name)
    for name, d in notice.workdays:
        yield d, (True, name)


def enter_notice(*, actor, text: str, year: int | None = None):
    """Enter a year's schedule from the text of its notice (the administrator pasted it and
    saw the year view): the notice's year, the days of a neighbouring year it sets, and
    every due time left 时限待定 for want of that year (``services.enter_year``)."""
    services.require_calendar_admin(actor)
    notice = parse_notice(text, year)
    holidays, workdays = notice.ranges()
    return services.enter_year(actor=actor, year=notice.year, holidays=holidays, workdays=workdays,
                               notice=notice.title, adjacent=notice.adjacent())
