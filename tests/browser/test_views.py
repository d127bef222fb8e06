"""Journeys through the views of the demo's corrective actions: drag a card between board columns
(and a refused drag going back), reschedule on the calendar, save and reopen a view, group a list."""
from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

BOARD = "/admin/board/corrective_action/?group=status&cards=owner,due_date"


def _drag(page, element, target) -> None:
    (ActionChains(page.driver).click_and_hold(element).pause(0.2).move_by_offset(8, 8).pause(0.2)
     .move_to_element(target).pause(0.3).release().perform())


def _count(page, column: str) -> int:
    return int(page.find(f'.rb-board-column[data-column="{column}"] .rb-board-count').text)


def test_drag_a_card_to_another_column_and_a_refused_drag_goes_back(page):
    page.sign_in()
    page.open(BOARD)
    card = page.find('.rb-board-cards[data-column="open"] .rb-card')
    rid, version = card.get_attribute("data-id"), int(card.get_attribute("data-version"))
    opened, started = _count(page, "open"), _count(page, "in_progress")
    _drag(page, card, page.find('.rb-board-cards[data-column="in_progress"]'))
    moved = f'.rb-board-cards[data-column="in_progress"] .rb-card[data-id="{rid}"]'
    page.wait(lambda d: page.all(moved) and int(page.all(moved)[0].get_attribute("data-version")) == version + 1)
    assert (_count(page, "open"), _count(page, "in_progress")) == (opened - 1, started + 1)
    page.open(BOARD)  # stored: the card is in its new column after a reload
    card = page.find(moved)
    # another user changed it meanwhile (the card still shows the version before): refused, back it goes
    page.driver.execute_script("arguments[0].setAttribute('data-version', arguments[1])", card, str(version))
    _drag(page, card, page.find('.rb-board-cards[data-column="open"]'))
    message = page.find(".rb-board-message")
    assert message.text
    page.wait(lambda d: page.all(moved))
    assert "rb-card-refused" in page.all(moved)[0].get_attribute("class")
    assert (_count(page, "open"), _count(page, "in_progress")) == (opened - 1, started + 1)


def test_reschedule_on_the_calendar(page):
    page.sign_in()
    url = "/admin/calendar/corrective_action/?date_field=due_date"
    page.open(url)
    item = page.find(".rb-cal-item")
    rid, day = item.get_attribute("data-id"), item.get_attribute("data-day")
    cells = page.all(".rb-cal-items")
    days = [c.get_attribute("data-day") for c in cells]
    at = days.index(day)
    target = cells[at + 1] if at % 7 < 6 else cells[at - 1]  # the day beside it, in the same week
    new_day = target.get_attribute("data-day")
    _drag(page, item, target)
    page.wait(lambda d: d.find_elements("css selector", f'.rb-cal-item[data-id="{rid}"][data-day="{new_day}"]'))
    page.open(url + "&date=" + new_day)
    page.find(f'.rb-cal-items[data-day="{new_day}"] .rb-cal-item[data-id="{rid}"]')
    page.find(f'.rb-cal-item[data-id="{rid}"]').click()  # a click opens the record
    page.wait(lambda d: f"details/?id={rid}" in d.current_url)


def test_group_a_list_then_save_and_reopen_it_as_a_view(page):
    page.sign_in()
    page.open("/admin/records/corrective_action/")
    Select(page.find("#rb-group")).select_by_value("status")
    page.wait(lambda d: "group=status" in d.current_url)
    groups = {g.get_attribute("data-group"): int(g.find_element("css selector", ".rb-group-count").text)
              for g in page.all(".rb-group")}
    assert groups.get("open", 0) > 1
    page.find('.rb-group[data-group="open"]').click()
    page.wait(lambda d: "in=open" in d.current_url)
    page.find(".rb-save-view").click()
    page.find("#name").send_keys("My open actions")
    page.find(".rb-view-save").click()
    page.wait(lambda d: "view=" in d.current_url)
    assert page.find(".rb-view-selector .active").text.startswith("My open actions")
    assert page.all(".rb-group-count")  # the view keeps its grouping
    page.open("/admin/records/corrective_action/")
    link = [a for a in page.all(".rb-view-selector a") if a.text.startswith("My open actions")][0]
    view_id = link.get_attribute("data-view-id")
    link.click()
    page.wait(lambda d: f"view={view_id}" in d.current_url)


def test_every_board_column_in_view_at_1366_and_a_cue_for_those_beyond(page):
    """The demo's corrective actions: five statuses and "no value", six columns, all in view at 1366×857;
    in a narrower window the board scrolls sideways and the frame's edge shows where columns are hidden."""
    page.sign_in()
    page.open(BOARD)
    page.find(".rb-board-column")
    geometry = """var b = document.querySelector('.rb-board'), f = document.querySelector('.rb-board-frame');
      return {width: window.innerWidth, scroll: b.scrollWidth - b.clientWidth, frame: f.className,
              columns: Array.from(document.querySelectorAll('.rb-board-column')).map(function (c) {
                var r = c.getBoundingClientRect(); return [r.left, r.right]; })};"""
    g = page.driver.execute_script(geometry)
    assert len(g["columns"]) == 6 and g["scroll"] <= 1, g
    assert all(left >= 0 and right <= g["width"] and right - left >= 200 for left, right in g["columns"]), g
    assert "rb-board-more" not in g["frame"]
    page.driver.set_window_size(1000, 857)
    page.wait(lambda d: "rb-board-more-right" in page.find(".rb-board-frame").get_attribute("class"))
    g = page.driver.execute_script(geometry)
    assert g["scroll"] > 0 and "rb-board-more-left" not in g["frame"], g
    page.driver.execute_script("var b = document.querySelector('.rb-board'); b.scrollLeft = b.scrollWidth;")
    page.wait(lambda d: page.find(".rb-board-frame").get_attribute("class").split().count("rb-board-more-left") == 1
              and "rb-board-more-right" not in page.find(".rb-board-frame").get_attribute("class"))
    page.driver.set_window_size(1366, 857)
