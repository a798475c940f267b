"""Reading the State Council's holiday notice (deadlines.notice): the published notices of
2010–2026 (tests/data/holiday_notices, as published) read into exactly the calendar the
database was seeded with from chinesecalendar; every misreading refused with the line
quoted and nothing written; the page (paste, see the year, confirm) and the API."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from api.tests.helpers import ApiClient
from audit.models import AuditEvent
from deadlines.models import CalendarDay, CalendarYear
from deadlines.notice import NoticeError, enter_notice, parse_notice
from deadlines.services import calendar_for
from gongwen.errors import PermissionDenied
from tests.auth import sign_in
from tests.helpers import refused

NOTICES = Path(__file__).parent / "data" / "holiday_notices"
YEARS = sorted(int(p.stem) for p in NOTICES.glob("*.txt"))

# Days the published notice of a year does not set as the calendar finally stood, because
# a later notice changed them (chinesecalendar carries the later ones): each with its source.
LATER_NOTICES = {
    # 国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知 (国发明电〔2015〕3号)
    2015: {date(2015, 9, 3): False, date(2015, 9, 4): False, date(2015, 9, 6): True},
    # 国务院办公厅关于调整2019年劳动节假期安排的通知 (国办发明电〔2019〕3号)
    2019: {date(2019, 4, 28): True, date(2019, 5, 2): False, date(2019, 5, 3): False, date(2019, 5, 5): True},
    # 国务院办公厅关于延长2020年春节假期的通知 (国办发明电〔2020〕1号)
    2020: {date(2020, 1, 31): False, date(2020, 2, 1): False},
}

# A notice in the official form for a year no package knows yet: the dates are the test's
# own assumption (checked weekdays), not a forecast of the real 2027 schedule.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕9号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至12日（农历正月初七、周五）放假调休，共8天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天，不调休。
六、中秋节：9月15日（周三）放假1天，不调休。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2026年11月5日
"""


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def effective(days: dict[date, tuple[bool, str]], year: int) -> dict[date, bool]:
    """Whether each day of the year is worked, from the days a schedule sets."""
    out, d = {}, date(year, 1, 1)
    while d.year == year:
        out[d] = days[d][0] if d in days else d.weekday() < 5
        d += timedelta(days=1)
    return out


def seeded(year: int) -> dict[date, bool]:
    days = {r.date: (r.is_workday, r.name) for r in CalendarDay.objects.filter(date__year=year)}
    return effective(days, year)


def test_the_collection_covers_the_recent_years():
    assert set(range(2016, 2027)) <= set(YEARS)


@pytest.mark.django_db
@pytest.mark.parametrize("year", YEARS)
def test_each_published_notice_reads_into_the_seeded_calendar(year):
    notice = parse_notice(notice_text(year))
    assert notice.year == year and len(notice.holidays) >= 6
    assert notice.number.startswith("国办发明电〔")
    days = {d: v for d, v in notice.days().items() if d.year == year}
    # A year's first days can be set by the next year's notice (the 2019 notice makes
    # 29 December 2018 a workday and 31 December 2018 a holiday).
    if year + 1 in YEARS:
        days.update({d: v for d, v in parse_notice(notice_text(year + 1)).days().items() if d.year == year})
    mine = effective(days, year)
    mine.update(LATER_NOTICES.get(year, {}))
    expected = seeded(year)
    assert CalendarYear.objects.filter(year=year).exists()
    assert {d: w for d, w in mine.items() if w != expected[d]} == {}


def test_the_forms_of_the_notices_are_read():
    n2019 = parse_notice(notice_text(2019))
    assert ("元旦", date(2018, 12, 30), date(2019, 1, 1)) in n2019.holidays
    assert (date(2018, 12, 29), True, "元旦调休上班") in n2019.adjacent()
    assert [r.start for r in n2019.ranges()[0]][0] == date(2019, 1, 1)  # clipped to the year
    n2017 = parse_notice(notice_text(2017))
    assert ("元旦", date(2017, 1, 2)) in n2017.in_lieu  # 1月1日放假，1月2日（星期一）补休
    n2010 = parse_notice(notice_text(2010))
    assert ("春节", date(2010, 2, 21)) in n2010.workdays  # "2月20日（星期六）、21日（星期日）上班"
    n2024 = parse_notice(notice_text(2024))
    assert n2024.notes and "除夕" in n2024.notes[0]  # advice, no day set
    assert date(2024, 2, 9) not in n2024.days()
    n2025 = parse_notice(notice_text(2025))
    assert ("元旦", date(2025, 1, 1), date(2025, 1, 1)) in n2025.holidays  # 放假1天，不调休


def test_pasted_text_from_a_web_page_is_read():
    # Half-width punctuation, indentation, blank lines and non-breaking spaces.
    text = "\n\n".join("\u3000\u3000" + line.replace("：", ":").replace("，", ",").replace("（", "(")
                       .replace("）", ")") + "\u00a0" for line in NOTICE_2027.splitlines())
    assert parse_notice(text).days() == parse_notice(NOTICE_2027).days()


BAD = [
    ("一、元旦：1月1日（周五）至3日（周日）放假，共3天。", "一、元旦：1月1日（周四）至3日（周日）放假，共3天。",
     "1月1日是星期五，通知写作“周四”"),
    ("共8天。2月20日", "共7天。2月20日", "写明共7天，但2月5日至2月12日是8天"),
    ("9月26日（周日）、10月9日（周六）上班", "9月28日（周二）、10月9日（周六）上班", "9月28日"),
    ("四、劳动节：5月1日", "四、劳动节：5月32日", "不是有效日期"),
    ("五、端午节：6月9日（周三）放假1天，不调休。", "五、端午节：6月9日（周三）放假1天，另行安排。", "“另行安排”无法识别"),
    ("国务院办公厅\n2026", "本通知由某某网转载\n国务院办公厅\n2026", "第13行“本通知由某某网转载”无法识别"),
    ("关于2027年部分", "关于部分", None),  # the preamble still names 2027
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_misreading_is_refused_with_the_line_quoted(old, new, message):
    assert old in NOTICE_2027
    text = NOTICE_2027.replace(old, new, 1)
    if message is None:
        assert parse_notice(text).year == 2027
        return
    with pytest.raises(NoticeError) as info:
        parse_notice(text)
    assert message in info.value.message


def test_the_year_must_be_found_and_match():
    with pytest.raises(NoticeError, match="没有找到通知的年度"):
        parse_notice("一、元旦：1月1日放假。")
    with pytest.raises(NoticeError, match="粘贴的是2027年的通知，与所选年度2028年不符"):
        parse_notice(NOTICE_2027, 2028)
    with pytest.raises(NoticeError, match="请粘贴"):
        parse_notice("  \n ")


def test_entering_by_notice_refuses_anyone_but_the_system_administrator_and_writes_nothing(office):
    with refused("只有系统管理员", exc=PermissionDenied):
        enter_notice(actor=office.director, text=NOTICE_2027)
    with refused("无法识别"):
        enter_notice(actor=office.sysadmin, text=NOTICE_2027.replace("一、元旦", "元旦放假一天\n一、元旦"))


def test_entering_by_notice_sets_the_year_and_a_known_neighbours_days(office):
    text = NOTICE_2027.replace("一、元旦：1月1日（周五）至3日（周日）放假，共3天。",
                               "一、元旦：2026年12月31日（周四）至2027年1月3日（周日）放假调休，共4天。2026年12月27日（周日）上班。")
    row = enter_notice(actor=office.sysadmin, text=text)
    assert row.year == 2027 and row.notice.startswith("国务院办公厅关于2027年部分节假日安排的通知")
    cal = calendar_for(None)
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 20))
    assert not cal.is_workday(date(2026, 12, 31)) and cal.is_workday(date(2026, 12, 27))  # 2026 corrected too
    event = AuditEvent.objects.filter(action="deadlines.enter_year").latest("seq")
    assert event.new["adjacent"] == ["2026-12-27", "2026-12-31"]


def test_the_page_reads_shows_the_year_and_saves_on_confirmation(client, office):
    sign_in(client, office.sysadmin)
    url = "/deadlines/admin/calendar/enter/"
    page = client.post(url, {"action": "preview", "notice_text": NOTICE_2027}).content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing saved yet
    assert "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕9号）：解析结果" in page
    assert "2027年2月5日至2月12日" in page and "确认保存2027年安排" in page
    assert 'title="2月20日 星期六：调休上班（春节调休上班）"' in page
    # A refusal keeps the text and quotes the line.
    broken = NOTICE_2027.replace("共8天。", "共9天。")
    page = client.post(url, {"action": "preview", "notice_text": broken}).content.decode()
    assert "写明共9天" in page and "共9天。2月20日" in page and "确认保存" not in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    r = client.post(url, {"action": "save_notice", "notice_text": NOTICE_2027, "notice_year": "2027"}, follow=True)
    assert "已录入2027年节假日安排" in r.content.decode()
    assert CalendarYear.objects.get(year=2027).entered_by == office.sysadmin


def test_the_api_reads_then_saves(client, office):
    api = ApiClient(client)
    r = api.post(office.sysadmin, "/calendar/notice", {"text": NOTICE_2027})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["year"], body["saved"]) == (2027, False) and not CalendarYear.objects.filter(year=2027).exists()
    assert {"date": "2027-02-20", "is_workday": True, "name": "春节调休上班"} in body["days"]
    r = api.post(office.director, "/calendar/notice", {"text": NOTICE_2027, "confirm": True})
    assert r.status_code == 403 and not CalendarYear.objects.filter(year=2027).exists()
    r = api.post(office.sysadmin, "/calendar/notice", {"text": NOTICE_2027.replace("（周五）", "（周一）", 1),
                                                       "confirm": True})
    assert r.status_code == 400 and "1月1日是星期五" in r.json()["detail"]
    r = api.post(office.sysadmin, "/calendar/notice", {"text": NOTICE_2027, "confirm": True})
    assert r.status_code == 200 and r.json()["saved"] and CalendarYear.objects.filter(year=2027).exists()
