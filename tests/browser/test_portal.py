"""The portal in a real browser: nothing is loaded from outside the platform, the CSP is never
violated, registration refuses a bad USCC on the page, and staff sign in with two factors."""

from __future__ import annotations

from urllib.parse import urlparse

import pyotp
import pytest

from ggzy.accounts.choices import Role
from ggzy.accounts.models import TotpDevice
from ggzy.accounts.uscc import make_uscc
from ggzy.core.testing.parties import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, reference_data):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.requests_seen = []  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests_seen.append(request.url))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


def test_home_page_loads_only_the_platforms_own_assets(page, live_server):
    page.goto(live_server.url + "/")
    assert "伊犁州公共资源交易平台" in page.title()
    assert page.locator("input[type=search]").is_visible()
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector("#swagger-ui .info", timeout=15000)
    hosts = {urlparse(url).netloc for url in page.requests_seen if not url.startswith("data:")}
    assert hosts == {urlparse(live_server.url).netloc}
    assert page.console_errors == []


def test_language_can_switch_to_english(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Notices" in page.locator("nav.main-nav").inner_text()


def test_registration_refuses_a_wrong_check_character_on_the_page(page, live_server):
    good = make_uscc("91510107MA0000077")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    page.goto(live_server.url + "/accounts/register/")
    page.fill("#id_uscc", bad)
    page.fill("#id_name", "四川远山建设有限公司")
    page.fill("#id_region_code", "510107")
    page.check("input[value=bidder]")
    page.fill("#id_username", "yuanshan")
    page.fill("#id_full_name", "王五")
    page.fill("#id_password", "Yuanshan-bid-2026")
    page.get_by_role("button", name="提交注册").click()
    assert "校验码错误" in page.locator(".errorlist").first.inner_text()
    page.fill("#id_uscc", good)
    page.fill("#id_password", "Yuanshan-bid-2026")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url("**/accounts/login/")
    assert "注册成功" in page.locator(".messages").inner_text()


def test_center_staff_signs_in_with_totp(page, live_server):
    staff = make_user(Role.CENTER_STAFF, username="staff-browser")
    secret = TotpDevice.objects.get(user=staff).secret
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "staff-browser")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url("**/accounts/login/verify/**")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="验证并登录").click()
    page.wait_for_url("**/workbench/")
    assert "全部交易项目" in page.content()
