"""Reading the State Council's holiday notices (SPEC §3; issue 14).

The real notices for 2017, 2020, 2024, 2025 and 2026 (tests/data/notice_YYYY.txt, as published
on gov.cn) are read and every day of the year is checked against ``chinese_calendar``: a day is a
working day when the notice names it 上班, or it is Monday–Friday and not named 放假.
"""
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.holiday_notice import read_notice

DATA = Path(__file__).resolve().parents[1] / "data"

#: 2020: the State Council extended the Spring Festival by a later notice (国务院办公厅关于延长2020年
#: 春节假期的通知, 2020-01-27) to 2 February; chinese_calendar follows it, the December notice cannot.
LATER_NOTICES = {2020: {date(2020, 1, 31): False, date(2020, 2, 1): False}}


def _workday(schedule, day):
    if day in schedule.workdays:
        return True
    return day not in schedule.holidays and day.weekday() < 5


@pytest.mark.parametrize("year", [2017, 2020, 2024, 2025, 2026])
def test_real_notice_matches_chinese_calendar_every_day(year):
    schedule = read_notice((DATA / f"notice_{year}.txt").read_text(encoding="utf-8"))
    assert schedule.year == year and schedule.problems == ()
    day, differences = date(year, 1, 1), {}
    while day.year == year:
        if _workday(schedule, day) != chinese_calendar.is_workday(day):
            differences[day] = chinese_calendar.is_workday(day)
        day += timedelta(days=1)
    assert differences == LATER_NOTICES.get(year, {})


@pytest.mark.parametrize("year, holidays, workdays", [
    # 补休 (2017 元旦), 与周末连休 (劳动节), a span across months (2-2), names as the notice gives them.
    (2017, {date(2017, 1, 1): "元旦", date(2017, 1, 2): "元旦", date(2017, 2, 2): "春节",
            date(2017, 5, 1): "劳动节", date(2017, 10, 8): "中秋节、国庆节"},
     {date(2017, 1, 22): "春节", date(2017, 2, 4): "春节", date(2017, 9, 30): "中秋节、国庆节"}),
    # lunar dates and weekdays in brackets (2025), a span 5月31日至6月2日, 不调休
    (2025, {date(2025, 1, 28): "春节", date(2025, 2, 4): "春节", date(2025, 5, 31): "端午节",
            date(2025, 6, 2): "端午节", date(2025, 1, 1): "元旦"},
     {date(2025, 1, 26): "春节", date(2025, 2, 8): "春节", date(2025, 4, 27): "劳动节"}),
])
def test_wordings(year, holidays, workdays):
    schedule = read_notice((DATA / f"notice_{year}.txt").read_text(encoding="utf-8"))
    assert {d: schedule.holidays[d] for d in holidays} == holidays
    assert {d: schedule.workdays[d] for d in workdays} == workdays


def test_2024_eve_in_an_exhortation_is_not_a_holiday():
    schedule = read_notice((DATA / "notice_2024.txt").read_text(encoding="utf-8"))
    assert date(2024, 2, 9) not in schedule.holidays  # 鼓励……安排职工在除夕（2月9日）休息
    assert len([d for d in schedule.holidays if d.month == 2]) == 8


def test_a_span_across_years_and_one_line_paste():
    text = ("国务院办公厅关于2019年部分节假日安排的通知 一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。"
            "2018年12月29日（星期六）上班。二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。")
    schedule = read_notice(text)
    assert schedule.problems == ()
    assert sorted(schedule.holidays)[:3] == [date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1)]
    assert sorted(schedule.workdays) == [date(2018, 12, 29), date(2019, 2, 2), date(2019, 2, 3)]
    # Without written years, the December part of 元旦 is the year before.
    no_years = read_notice("一、元旦：12月30日至1月1日放假调休，共3天。12月29日（星期六）上班。", 2019)
    assert sorted(no_years.workdays) == [date(2018, 12, 29)]


def test_half_width_and_full_width_digits_read_alike():
    text = "一、劳动节:５月１日至５日放假调休,共5天。4月26日(星期日)、5月9日(星期六)上班。"
    schedule = read_notice(text, 2020)
    assert len(schedule.holidays) == 5 and sorted(schedule.workdays) == [date(2020, 4, 26), date(2020, 5, 9)]


@pytest.mark.parametrize("text, expected", [
    ("一、端午节：6月7日（星期四）放假。", "2019年6月7日写为“星期四”，实际是周五"),
    ("一、国庆节：10月1日至7日放假调休，共6天。", "通知写明共6天，读出7天"),
    ("一、国庆节：10月1日至7日放假调休，共7天。10月8日上班。", "2019年10月8日是周二，不是周末"),
    ("一、其他：放假安排另行通知。", "其他：没有读出任何放假或上班日期"),
    ("一、端午节：6月7日待定。", "端午节：未能读懂“6月7日待定”"),
    ("随便一段文字，没有条目。", "没有找到“一、元旦：……”这样的放假安排条目"),
])
def test_what_it_cannot_read_is_named(text, expected):
    problems = read_notice(text, 2019).problems
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("text, year", [
    ("", 2027), ("   ", None), ("一、元旦：1月1日放假。", None), ("国务院办公厅关于2026年部分节假日安排的通知", 2027),
    ("x" * 20001, 2027),
])
def test_refused_input(text, year):
    with pytest.raises(ValidationError):
        read_notice(text, year)
