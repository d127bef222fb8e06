"""Dashboards in a real browser: build a chart widget in the admin (forms, no JSON; a dimension's date
bucket shown only while it is a date), see it drawn by ECharts, click a bar through to the records
behind it; the outsourcing overview on the home page."""
from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select


def click_first_bar(page, chart_index: int = 0) -> None:
    """Click the middle of the chart's tallest bar, where ECharts drew it (offsets from the chart's own
    element: a short bar leaves no room for the padding around it)."""
    x, y, w, h = page.driver.execute_script("""
        var c = window.RB_CHARTS[arguments[0]];
        var data = c.getOption().series[0].data, best = 0;
        for (var i = 1; i < data.length; i++) { if (data[i].value > data[best].value) best = i; }
        var p = c.convertToPixel({seriesIndex: 0}, [best, data[best].value / 2]);
        var r = c.getDom().getBoundingClientRect();
        return [p[0], p[1], r.width, r.height];""", chart_index)
    chart = page.driver.execute_script("return window.RB_CHARTS[arguments[0]].getDom();", chart_index)
    # (the pointer rests on the bar first: ECharts finds the bar under it on mousemove, then takes the click)
    (ActionChains(page.driver).move_to_element_with_offset(chart, int(x - w / 2), int(y - h / 2)).pause(0.5)
     .move_by_offset(1, 1).pause(0.3).click().perform())


def test_build_a_chart_and_click_through_to_its_records(page):
    page.sign_in()
    page.open("/admin/dashboards/")
    page.find("#name").send_keys("Supplier board")
    page.find(".rb-dashboard-new button[type=submit]").click()
    page.wait(lambda d: "/edit/" in d.current_url)
    Select(page.find(".rb-widget-add #kind")).select_by_value("chart")
    Select(page.find(".rb-widget-add #type")).select_by_value("supplier")
    page.find(".rb-widget-add button[type=submit]").click()
    page.find(".rb-widget-form #title").send_keys("Suppliers by status")
    # each dimension's "dates by" shows while that dimension is a date, and a hidden one is cleared
    bucket = page.driver.find_element("id", "group_by_bucket")
    Select(page.find("#group_by_field")).select_by_value("created_at")
    page.wait(lambda d: bucket.is_displayed())
    Select(bucket).select_by_value("month")
    assert not page.driver.find_element("id", "split_by_bucket").is_displayed()
    Select(page.find("#group_by_field")).select_by_value("status")
    page.wait(lambda d: not bucket.is_displayed())
    assert Select(bucket).first_selected_option.get_attribute("value") == ""
    page.find(".rb-widget-form button[type=submit]").click()
    page.wait(lambda d: "/edit/" in d.current_url)
    assert "Suppliers by status" in page.find(".rb-widget-list").text
    page.driver.get(page.driver.current_url.replace("/edit/", "/"))
    page.find(".rb-widget.rb-widget-ready canvas")
    click_first_bar(page)
    page.wait(lambda d: "/admin/records/supplier/?flt" in d.current_url)
    rows = page.all("table.model-list tbody tr")
    assert rows and "Status" in page.text()


def drawn(page, count: int) -> str:
    """The page's text once ``count`` widgets are drawn (a page still loading is looked at again)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(page.driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: len(d.find_elements("css selector", ".rb-widget.rb-widget-ready")) >= count)
    return page.text()


def test_the_outsourcing_overview_on_the_home_page_in_both_languages(page):
    page.sign_in()
    page.open("/admin/")
    text = drawn(page, 8)
    assert "Outsourcing overview" in text and "KPI quadrant" in text and "Assigned to me" in text
    page.find(".rb-lang button").click()
    page.wait(lambda d: "/admin/" in d.current_url and "首页" in d.find_element("tag name", "body").text)
    text = drawn(page, 8)
    assert "外包管理总览" in text and "月度满意度" in text and "分配给我的" in text
    for english in ("Outsourcing overview", "Open the dashboard", "Dashboards", "Assigned to me"):
        assert english not in text
    page.driver.save_screenshot("/tmp/agg-dash-home-zh.png")
    page.find(".rb-lang button").click()
    page.wait(lambda d: "Home" in d.find_element("tag name", "body").text)
