"""The expert pool's pages: the managers' list, entry, status and review of changes; supervisors'
bans; each expert's own profile, which nobody else's account can reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.accounts.uscc import make_uscc
from ggzy.core import clock
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.experts import services
from ggzy.experts.choices import ChangeStatus, ExpertStatus, TitleLevel
from ggzy.experts.models import Expert, ExpertChange, ExpertConflict
from ggzy.experts.tests.helpers import expert_data, make_expert, pool_manager

pytestmark = pytest.mark.django_db


def _form(expert: Expert, **changes: object) -> dict[str, object]:
    """The eligibility form as the expert's page fills it in, with some fields changed."""
    data: dict[str, object] = {
        "name": expert.name,
        "id_card_number": expert.id_card_number,
        "birth_date": expert.birth_date.isoformat(),
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
        "region_code": expert.region_code,
        "title_level": str(expert.title_level),
        "title_name": expert.title_name,
        "practice_since": expert.practice_since.isoformat(),
        "specialties": sorted(s.code for s in expert.specialties.all()),
    }
    data.update(changes)
    return data


def test_a_change_takes_effect_only_when_approved():
    manager = pool_manager()
    expert = make_expert(manager)
    client = signed_in_client(expert.user)

    response = client.post(
        reverse("experts:me_change"),
        _form(expert, title_level=str(TitleLevel.SENIOR), title_name="正高级工程师", specialties=["A0101", "A0102"]),
    )

    assert response.status_code == 302, response.content.decode()
    change = ExpertChange.objects.get(expert=expert)
    assert change.status == ChangeStatus.PENDING
    assert set(change.changes) == {"title_level", "title_name", "specialties"}  # only what differs
    expert.refresh_from_db()
    assert (expert.title_level, expert.title_name) == (TitleLevel.ASSOCIATE_SENIOR, "高级工程师")
    assert list(expert.specialties.values_list("code", flat=True)) == ["A0101"]
    page = client.get(reverse("experts:me")).content.decode()
    assert "正高级工程师" in page and "正在审核" in page  # the pending change is shown

    queue = signed_in_client(manager).get(reverse("experts:pool_changes")).content.decode()
    assert expert.number in queue and "正高级工程师" in queue
    response = signed_in_client(manager).post(
        reverse("experts:pool_change_review", kwargs={"pk": change.pk}), {"approve": "1", "note": ""}
    )

    assert response.status_code == 302
    expert.refresh_from_db()
    assert (expert.title_level, expert.title_name) == (TitleLevel.SENIOR, "正高级工程师")
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["A0101", "A0102"]
    change.refresh_from_db()
    assert (change.status, change.reviewed_by) == (ChangeStatus.APPROVED, manager)


def test_a_rejection_needs_a_reason_and_changes_nothing():
    manager = pool_manager()
    expert = make_expert(manager)
    change = services.expert_change_submit(actor=expert.user, expert=expert, changes={"title_name": "教授"})
    client = signed_in_client(manager)
    url = reverse("experts:pool_change_review", kwargs={"pk": change.pk})

    response = client.post(url, {"approve": "0", "note": " "}, follow=True)

    assert "驳回须写明理由。" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING

    client.post(url, {"approve": "0", "note": "职称证书与申报不符"})

    change.refresh_from_db()
    expert.refresh_from_db()
    assert (change.status, change.review_note) == (ChangeStatus.REJECTED, "职称证书与申报不符")
    assert expert.title_name == "高级工程师"
    assert "职称证书与申报不符" in signed_in_client(expert.user).get(reverse("experts:me")).content.decode()


def test_a_change_with_nothing_changed_is_refused_on_the_form():
    expert = make_expert(pool_manager())
    response = signed_in_client(expert.user).post(reverse("experts:me_change"), _form(expert))
    assert response.status_code == 200
    assert "没有要变更的内容。" in response.content.decode()
    assert not ExpertChange.objects.exists()


def test_an_expert_reaches_only_their_own_profile():
    manager = pool_manager()
    mine, theirs = make_expert(manager), make_expert(manager)
    client = signed_in_client(mine.user)

    assert client.get(reverse("experts:pool_detail", kwargs={"number": theirs.number})).status_code == 403
    assert client.get(reverse("experts:pool_list")).status_code == 403
    assert client.get(reverse("experts:pool_export", kwargs={"fmt": "csv"})).status_code == 403
    page = client.get(reverse("experts:me")).content.decode()
    assert mine.name in page and mine.id_card_number in page
    assert theirs.name not in page and theirs.id_card_number not in page

    client.post(reverse("experts:me_contact"), {"mobile": "13700000001", "email": "me@example.cn"})
    client.post(reverse("experts:me_conflict"), {"person_name": "王五", "relation": "配偶"})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.mobile, mine.email) == ("13700000001", "me@example.cn")
    assert theirs.mobile != "13700000001"
    assert list(ExpertConflict.objects.values_list("expert_id", flat=True)) == [mine.pk]


def test_an_expert_account_without_a_profile_is_told_so():
    client = signed_in_client(make_user(Role.EXPERT))
    assert "尚未关联" in client.get(reverse("experts:me")).content.decode()
    response = client.post(reverse("experts:me_contact"), {"mobile": "13700000001"})
    assert response.status_code == 302 and response["Location"] == reverse("experts:me")


def test_contact_details_take_effect_at_once_and_are_checked():
    expert = make_expert(pool_manager())
    client = signed_in_client(expert.user)

    response = client.post(reverse("experts:me_contact"), {"mobile": "1370000", "email": ""})

    assert response.status_code == 200 and "手机号应为以1开头的11位数字。" in response.content.decode()
    expert.refresh_from_db()
    assert expert.mobile != "1370000"
    client.post(reverse("experts:me_contact"), {"mobile": "13700000002", "email": ""})
    expert.refresh_from_db()
    assert (expert.mobile, expert.email) == ("13700000002", "")


def test_a_conflict_names_an_organization_or_a_person():
    expert = make_expert(pool_manager())
    client = signed_in_client(expert.user)
    url = reverse("experts:me_conflict")

    response = client.post(url, {"relation": "曾任职"})
    assert response.status_code == 200 and "请填写单位统一社会信用代码或人员姓名。" in response.content.decode()
    response = client.post(url, {"organization_uscc": "91654002MA00000010", "relation": "曾任职"})
    assert response.status_code == 200 and "校验码" in response.content.decode()
    assert not ExpertConflict.objects.exists()

    uscc = make_uscc("91654002MA0000001")
    assert client.post(url, {"organization_uscc": uscc.lower(), "relation": "曾任职"}).status_code == 302
    assert ExpertConflict.objects.get(expert=expert).organization_uscc == uscc


def test_the_id_number_is_shown_only_to_pool_managers():
    manager = pool_manager()
    expert = make_expert(manager)
    url = reverse("experts:pool_detail", kwargs={"number": expert.number})

    as_supervisor = signed_in_client(make_user(Role.SUPERVISOR)).get(url)
    as_manager = signed_in_client(manager).get(url)

    assert as_supervisor.status_code == as_manager.status_code == 200
    assert expert.name in as_supervisor.content.decode()
    assert expert.id_card_number not in as_supervisor.content.decode()
    assert expert.id_card_number in as_manager.content.decode()


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        (Role.CENTER_STAFF, "experts:pool_list", 200),
        (Role.CENTER_STAFF, "experts:pool_create", 200),
        (Role.CENTER_STAFF, "experts:pool_import", 200),
        (Role.CENTER_STAFF, "experts:pool_changes", 200),
        (Role.SUPERVISOR, "experts:pool_list", 200),
        (Role.SUPERVISOR, "experts:pool_create", 403),
        (Role.SUPERVISOR, "experts:pool_changes", 403),
        (Role.EXPERT, "experts:me", 200),
        (Role.EXPERT, "experts:pool_create", 403),
        (Role.CENTER_STAFF, "experts:me", 403),
        (Role.BIDDER, "experts:pool_list", 403),
    ],
)
def test_pages_render_for_their_role(role: str, name: str, status: int):
    make_expert(pool_manager())
    response = signed_in_client(make_user(role)).get(reverse(name))
    assert response.status_code == status
    if status == 200:
        assert "<h1>" in response.content.decode()


def test_the_workbench_links_each_role_to_its_pool_pages():
    workbench = reverse("portal:workbench")
    manager_page = signed_in_client(pool_manager()).get(workbench).content.decode()
    expert_page = signed_in_client(make_user(Role.EXPERT)).get(workbench).content.decode()
    bidder_page = signed_in_client(make_user(Role.BIDDER)).get(workbench).content.decode()
    assert reverse("experts:pool_list") in manager_page and reverse("experts:pool_changes") in manager_page
    assert reverse("experts:me") in expert_page and reverse("experts:pool_list") not in expert_page
    assert reverse("experts:pool_list") not in bidder_page and reverse("experts:me") not in bidder_page


def test_the_list_searches_and_filters_by_status_and_specialty_prefix():
    manager = pool_manager()
    building = make_expert(manager, employer_name="伊犁州建筑设计院", specialties=["A0102"])
    goods = make_expert(manager, specialties=["B0101"])
    services.expert_status_set(actor=manager, expert=goods, status=ExpertStatus.SUSPENDED, until=None, reason="考核")
    client = signed_in_client(manager)
    url = reverse("experts:pool_list")

    def numbers(**query: str) -> set[str]:
        page = client.get(url, query).content.decode()
        return {number for number in (building.number, goods.number) if number in page}

    assert numbers() == {building.number, goods.number}
    assert numbers(q="建筑设计") == {building.number}
    assert numbers(q=goods.number) == {goods.number}
    assert numbers(status=ExpertStatus.SUSPENDED) == {goods.number}
    assert numbers(specialty="A01") == {building.number}
    assert numbers(specialty="B") == {goods.number}


def test_the_list_takes_the_same_number_of_queries_for_more_experts(django_assert_max_num_queries):
    manager = pool_manager()
    client = signed_in_client(manager)
    make_expert(manager)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("experts:pool_list"))
    for _n in range(5):
        make_expert(manager, specialties=["A0101", "A0102"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("experts:pool_list"))


def test_the_create_form_enters_an_expert_and_checks_the_id_number():
    manager = pool_manager()
    client = signed_in_client(manager)
    data = expert_data(specialties=["A0101", "A0201"])
    form = {**data, "birth_date": "1975-05-01", "practice_since": "2000-07-01", "title_level": "3"}

    bad = client.post(reverse("experts:pool_create"), {**form, "id_card_number": data["id_card_number"][:17] + "Y"})
    assert bad.status_code == 200 and "身份证号" in bad.content.decode()
    assert not Expert.objects.exists()

    response = client.post(reverse("experts:pool_create"), form)

    expert = Expert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:pool_detail", kwargs={"number": expert.number})
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["A0101", "A0201"]


def test_suspend_and_restore_by_the_center_ban_and_unban_by_a_supervisor_only():
    manager, supervisor = pool_manager(), make_user(Role.SUPERVISOR)
    expert = make_expert(manager)
    kwargs = {"number": expert.number}
    center, authority = signed_in_client(manager), signed_in_client(supervisor)
    until = (clock.today() + dt.timedelta(days=365)).isoformat()

    def status() -> str:
        expert.refresh_from_db()
        return expert.status

    assert authority.post(reverse("experts:pool_suspend", kwargs=kwargs), {"reason": "x"}).status_code == 403
    center.post(reverse("experts:pool_suspend", kwargs=kwargs), {"reason": "年度考核不合格"})
    assert status() == ExpertStatus.SUSPENDED and expert.status_reason == "年度考核不合格"
    center.post(reverse("experts:pool_restore", kwargs=kwargs))
    assert status() == ExpertStatus.ACTIVE

    assert center.post(reverse("experts:pool_ban", kwargs=kwargs), {"reason": "x", "until": until}).status_code == 403
    assert status() == ExpertStatus.ACTIVE
    authority.post(reverse("experts:pool_ban", kwargs=kwargs), {"reason": "串通投标，处罚决定书第1号", "until": until})
    assert status() == ExpertStatus.BANNED and expert.status_until.isoformat() == until
    center.post(reverse("experts:pool_restore", kwargs=kwargs))
    assert status() == ExpertStatus.BANNED  # only the supervisor lifts a ban
    authority.post(reverse("experts:pool_unban", kwargs=kwargs))
    assert status() == ExpertStatus.ACTIVE


def test_a_ban_needs_a_future_end_date():
    manager = pool_manager()
    expert = make_expert(manager)
    authority = signed_in_client(make_user(Role.SUPERVISOR))
    url = reverse("experts:pool_ban", kwargs={"number": expert.number})
    authority.post(url, {"reason": "x"})
    authority.post(url, {"reason": "x", "until": clock.today().isoformat()})
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.ACTIVE


def test_an_imported_expert_is_linked_to_an_account_with_the_expert_role():
    manager = pool_manager()
    expert = make_expert(manager, with_account=False)
    bidder, account = make_user(Role.BIDDER), make_user(Role.EXPERT)
    client = signed_in_client(manager)
    url = reverse("experts:pool_account_link", kwargs={"number": expert.number})

    client.post(url, {"username": bidder.username})
    client.post(url, {"username": "no-such-user"})
    expert.refresh_from_db()
    assert expert.user is None

    client.post(url, {"username": account.username})
    expert.refresh_from_db()
    assert expert.user == account
    assert expert.name in signed_in_client(account).get(reverse("experts:me")).content.decode()


def test_an_account_links_to_one_expert_only():
    manager = pool_manager()
    linked = make_expert(manager)
    other = make_expert(manager, with_account=False)
    with pytest.raises(ValidationError) as refused:
        services.expert_account_link(actor=manager, expert=other, user=linked.user)
    assert linked.number in str(refused.value)
    other.refresh_from_db()
    assert other.user is None
