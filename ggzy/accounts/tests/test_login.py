"""Sign-in: two factors for privileged roles, throttling that cannot lock a victim out for good,
idle sessions that expire, and sessions that end when an account is disabled."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from django.test import Client

from ggzy.accounts import services
from ggzy.accounts.choices import Role
from ggzy.accounts.models import TotpDevice
from ggzy.core import clock
from ggzy.core.testing.parties import PASSWORD, make_user, signed_in_client

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=clock.BEIJING)


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return client.get("/workbench/").status_code == 200


def test_bidder_signs_in_with_password_only():
    user = make_user(Role.BIDDER)
    client = Client()
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_center_staff_needs_the_second_factor():
    user = make_user(Role.CENTER_STAFF)
    device = TotpDevice.objects.get(user=user)
    client = Client()
    with time_machine.travel(START, tick=False):
        response = _login(client, user.username, PASSWORD)
        assert response.status_code == 302 and "/accounts/login/verify/" in response["Location"]
        assert not _signed_in(client)
        wrong = client.post("/accounts/login/verify/", {"code": "000000"})
        assert wrong.status_code == 200 and not _signed_in(client)
        code = pyotp.TOTP(device.secret).at(START)
        assert client.post("/accounts/login/verify/", {"code": code}).status_code == 302
        assert _signed_in(client)
        # The same code cannot be replayed in another session.
        other = Client()
        _login(other, user.username, PASSWORD)
        assert other.post("/accounts/login/verify/", {"code": code}).status_code == 200
        assert not _signed_in(other)


def test_privileged_user_without_a_device_enrols_before_signing_in():
    user = make_user(Role.SUPERVISOR)
    TotpDevice.objects.filter(user=user).delete()
    client = Client()
    with time_machine.travel(START, tick=False):
        response = _login(client, user.username, PASSWORD)
        assert "/accounts/login/enrol/" in response["Location"]
        page = client.get("/accounts/login/enrol/")
        assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
        device = TotpDevice.objects.get(user=user)
        assert device.confirmed_at is None
        assert client.post("/accounts/login/enrol/", {"code": pyotp.TOTP(device.secret).at(START)}).status_code == 302
        assert _signed_in(client)
    device.refresh_from_db()
    assert device.confirmed_at is not None


def test_repeated_failures_lock_the_address_then_unlock_with_time():
    user = make_user(Role.BIDDER)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _login(client, user.username, "wrong-password")
        response = _login(client, user.username, PASSWORD)
        assert "登录失败次数过多" in response.content.decode()
        assert not _signed_in(client)
        traveller.shift(dt.timedelta(minutes=6))
        assert _login(client, user.username, PASSWORD).status_code == 302
        assert _signed_in(client)


def test_locks_grow_but_are_capped():
    user = make_user(Role.BIDDER)
    with time_machine.travel(START, tick=False) as traveller:
        waits = []
        for _ in range(8):
            for _ in range(5):
                services.password_check(username=user.username, password="bad", address="10.0.0.9")
            waits.append(services.login_wait_seconds(username=user.username, address="10.0.0.9"))
            traveller.shift(dt.timedelta(seconds=waits[-1] + 1))
    assert waits[0] <= 301
    assert waits[1] > waits[0]
    assert max(waits) <= 3601


def test_an_attacker_elsewhere_cannot_lock_the_victim_out():
    user = make_user(Role.BIDDER)
    with time_machine.travel(START, tick=False):
        for _ in range(15):
            services.password_check(username=user.username, password="guess", address="203.0.113.7")
        victim = Client()
        assert _login(victim, user.username, PASSWORD, address="10.1.1.1").status_code == 302
        assert _signed_in(victim)


def test_an_attacker_gets_at_most_about_sixty_guesses_an_hour():
    user = make_user(Role.BIDDER)
    tried = 0
    with time_machine.travel(START, tick=False) as traveller:
        for second in range(0, 3600, 5):
            address = f"198.51.{second // 250}.{second % 250}"  # a new address every try
            if services.login_wait_seconds(username=user.username, address=address) == 0:
                services.password_check(username=user.username, password="guess", address=address)
                tried += 1
            traveller.shift(dt.timedelta(seconds=5))
    assert 20 <= tried <= 100


def test_idle_session_expires_and_privileged_roles_expire_sooner():
    bidder = make_user(Role.BIDDER)
    staff = make_user(Role.CENTER_STAFF)
    with time_machine.travel(START, tick=False) as traveller:
        bidder_client = signed_in_client(bidder)
        staff_client = signed_in_client(staff)
        traveller.shift(dt.timedelta(minutes=20))
        assert _signed_in(bidder_client)
        assert not _signed_in(staff_client)
        traveller.shift(dt.timedelta(minutes=31))
        assert not _signed_in(bidder_client)


def test_disabling_an_account_ends_its_sessions():
    admin = make_user(Role.SECURITY_ADMIN)
    bidder = make_user(Role.BIDDER)
    client = signed_in_client(bidder)
    assert _signed_in(client)
    services.user_active_set(actor=admin, user=bidder, active=False)
    assert not _signed_in(client)


def test_role_change_ends_sessions():
    admin = make_user(Role.SECURITY_ADMIN)
    owner = make_user(Role.OWNER)
    client = signed_in_client(owner)
    services.role_grant(actor=admin, user=owner, role=Role.BIDDER)
    assert not _signed_in(client)
    owner.refresh_from_db()
    assert sorted(owner.role_codes()) == ["bidder", "owner"]


def test_failed_and_successful_logins_are_witnessed():
    from ggzy.witness.models import WitnessEvent

    user = make_user(Role.BIDDER)
    client = Client()
    _login(client, user.username, "wrong")
    _login(client, user.username, PASSWORD)
    actions = list(WitnessEvent.objects.filter(action__startswith="auth.").values_list("action", flat=True))
    assert actions[-2:] == ["auth.login_failed", "auth.login_succeeded"]
    failed = WitnessEvent.objects.filter(action="auth.login_failed").last()
    assert "wrong" not in str(failed.after)  # no password in the log
