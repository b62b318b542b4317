"""Import and export of the expert pool: every row or none, CSV in UTF-8 or GB18030, .xlsx, and an
export that imports again; the ID number only for the pool's managers."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.accounts.uscc import make_uscc
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.experts import imports, services
from ggzy.experts.choices import ExpertStatus, TitleLevel
from ggzy.experts.models import Expert
from ggzy.experts.tests.helpers import expert_data, id_card, make_expert, pool_manager
from ggzy.experts.validators import validate_id_card_number
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in imports.COLUMNS]


def _row(**overrides: Any) -> dict[str, str]:
    """One expert as the cells of a file, keyed by header."""
    data = expert_data(**overrides)
    return {
        "姓名": data["name"],
        "身份证号": data["id_card_number"],
        "出生日期": data["birth_date"].isoformat(),
        "手机号": data["mobile"],
        "电子邮箱": data["email"],
        "工作单位": data["employer_name"],
        "工作单位统一社会信用代码": data["employer_uscc"],
        "所在地行政区划代码": data["region_code"],
        "职称等级": "副高级",
        "职称名称": data["title_name"],
        "从事专业工作起始日期": data["practice_since"].isoformat(),
        "评标专业": "；".join(data["specialties"]),
    }


def _csv(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig", headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([row.get(header, "") for header in headers] for row in rows)
    return buffer.getvalue().encode(encoding)


def _import(content: bytes, filename: str = "experts.csv", actor: Any = None) -> imports.ImportResult:
    return imports.experts_import_file(actor=actor or pool_manager(), content=content, filename=filename)


def _problems(result: imports.ImportResult) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in result.errors]


def test_a_clean_csv_creates_every_expert_with_its_specialties():
    rows = [_row(), _row(specialties=["A0101", "B0102"]), _row()]
    rows[1]["评标专业"] = "A0101、b0102"
    manager = pool_manager()
    events = WitnessEvent.objects.count()

    result = _import(_csv(rows), actor=manager)

    assert result.errors == []
    assert len(result.created) == 3
    second = Expert.objects.get(id_card_number=rows[1]["身份证号"])
    assert sorted(second.specialties.values_list("code", flat=True)) == ["A0101", "B0102"]
    assert second.title_level == TitleLevel.ASSOCIATE_SENIOR
    assert WitnessEvent.objects.count() == events + 3


def test_csv_without_bom_and_with_blank_lines_imports():
    content = _csv([_row(), _row()], encoding="utf-8") + b"\r\n\r\n"
    assert not content.startswith(codecs.BOM_UTF8)
    result = _import(content)
    assert result.errors == [] and len(result.created) == 2


def test_gb18030_csv_as_chinese_excel_saves_it():
    row = _row(name="张三丰", employer_name="伊犁州某某设计研究院")
    content = _csv([row], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # the file really is GB18030, not UTF-8

    result = _import(content)

    assert result.errors == []
    expert = Expert.objects.get(id_card_number=row["身份证号"])
    assert (expert.name, expert.employer_name) == ("张三丰", "伊犁州某某设计研究院")


def test_xlsx_with_date_cells_numeric_mobile_and_reordered_columns() -> None:
    row = _row(name="李四", birth_date=dt.date(1980, 2, 29))
    headers = list(reversed(HEADERS))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    cells: dict[str, Any] = dict(row)
    cells["出生日期"] = dt.datetime(1980, 2, 29)
    cells["从事专业工作起始日期"] = dt.date(2003, 9, 1)
    cells["手机号"] = int(row["手机号"])
    cells["所在地行政区划代码"] = 654002
    cells["职称等级"] = 4
    sheet.append([cells[header] for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = _import(buffer.getvalue(), "专家.xlsx")

    assert result.errors == []
    expert = Expert.objects.get(name="李四")
    assert expert.birth_date == dt.date(1980, 2, 29)
    assert expert.practice_since == dt.date(2003, 9, 1)
    assert expert.mobile == row["手机号"]
    assert expert.region_code == "654002"
    assert expert.title_level == TitleLevel.SENIOR


def test_one_bad_row_writes_nothing_and_the_report_names_each_row_and_column():
    rows = [_row(), _row(), _row(), _row()]
    rows[1]["出生日期"] = "1975-13-01"
    rows[3]["评标专业"] = "A0101;ZZ99"
    rows[3]["所在地行政区划代码"] = "99"
    manager = pool_manager()
    events = WitnessEvent.objects.count()

    result = _import(_csv(rows), actor=manager)

    assert result.created == []
    assert _problems(result) == [(3, "出生日期"), (5, "所在地行政区划代码"), (5, "评标专业")]
    assert "ZZ99" in result.errors[-1].message
    assert Expert.objects.count() == 0
    assert WitnessEvent.objects.count() == events


def test_duplicate_id_numbers_in_the_file_and_in_the_pool_are_refused():
    manager = pool_manager()
    existing = make_expert(manager, with_account=False)
    rows = [_row(), _row(), _row()]
    rows[0]["身份证号"] = existing.id_card_number
    rows[0]["出生日期"] = existing.birth_date.isoformat()
    rows[2]["身份证号"] = rows[1]["身份证号"]

    result = _import(_csv(rows), actor=manager)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "身份证号", "该身份证号已在专家库中。"),
        (4, "身份证号", "与第3行的身份证号重复。"),
    ]
    assert Expert.objects.count() == 1


def test_id_number_shape_and_birth_date_are_checked():
    bad_check, mismatch = _row(), _row()
    bad_check["身份证号"] = bad_check["身份证号"][:17] + ("0" if bad_check["身份证号"][17] != "0" else "1")
    mismatch["出生日期"] = "1976-05-01"

    result = _import(_csv([bad_check, mismatch]))

    assert _problems(result) == [(2, "身份证号"), (3, "出生日期")]
    assert "校验码" in result.errors[0].message
    assert "1975-05-01" in result.errors[1].message
    assert Expert.objects.count() == 0


def test_an_id_number_stored_as_a_number_in_excel_is_refused():
    row = _row()
    while row["身份证号"].endswith("X"):  # a number cannot end in X: take a row whose ID is all digits
        row = _row()
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append([float(row[h]) if h == "身份证号" else row[h] for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = _import(buffer.getvalue(), "experts.xlsx")

    assert _problems(result) == [(2, "身份证号")]
    assert "文本格式" in result.errors[0].message


def test_a_missing_column_is_named_and_nothing_is_read():
    headers = [h for h in HEADERS if h != "评标专业"]
    result = _import(_csv([_row()], headers=headers))
    assert [(e.row, e.column, e.message) for e in result.errors] == [(1, "评标专业", "缺少“评标专业”列。")]
    assert Expert.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (b"", "experts.csv", "没有内容"),
        (codecs.BOM_UTF16_LE + "姓名".encode("utf-16-le"), "experts.csv", "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "experts.xls", ".xls"),
        (b"PK\x03\x04not really a workbook", "experts.xlsx", "无法读取"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(content: bytes, filename: str, says: str):
    result = _import(content, filename)
    assert len(result.errors) == 1 and result.errors[0].row == 0
    assert says in result.errors[0].message


def test_the_service_undoes_earlier_rows_when_a_later_one_is_refused():
    manager = pool_manager()
    rows = [expert_data(), expert_data(specialties=["ZZ99"])]
    with pytest.raises(services.ImportRowRefused) as refused:
        services.experts_import(actor=manager, rows=rows)
    assert refused.value.index == 1
    assert "specialties" in refused.value.message_dict
    assert Expert.objects.count() == 0


def test_only_pool_managers_import():
    supervisor = make_user(Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        _import(_csv([_row()]), actor=supervisor)
    with pytest.raises(PermissionDenied):
        services.experts_import(actor=supervisor, rows=[expert_data()])
    assert Expert.objects.count() == 0


def _pool_for_round_trip(manager: Any) -> None:
    make_expert(manager, with_account=False)
    make_expert(
        manager,
        with_account=False,
        name='=HYPERLINK("x")',  # a formula to a spreadsheet: must come back as text
        email="",
        title_level=TitleLevel.NONE,
        title_name="",
        employer_uscc=make_uscc("91654002MA0000001"),
        specialties=["B0102", "A0101"],
        birth_date=dt.date(1968, 12, 31),
    )
    suspended = make_expert(manager, with_account=False, mobile="13800000000")
    services.expert_status_set(
        actor=manager, expert=suspended, status=ExpertStatus.SUSPENDED, until=None, reason="年度考核不合格"
    )


def _facts(headers: list[str], rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Rows without the pool number and status, which an import does not carry over."""
    keep = [i for i, h in enumerate(headers) if h not in (imports.NUMBER_HEADER, imports.STATUS_HEADER)]
    return sorted(tuple(imports._text(row[i]) for i in keep) for row in rows)


def _read(content: bytes, filename: str) -> tuple[list[str], list[list[Any]]]:
    table = imports.read_table(content, filename)
    return [str(c) for c in table[0][1]], [cells for _n, cells in table[1:]]


@pytest.mark.parametrize(("fmt", "export"), [("csv", imports.export_csv), ("xlsx", imports.export_xlsx)])
def test_an_export_imports_again_into_an_empty_pool(fmt: str, export: Any):
    manager = pool_manager()
    _pool_for_round_trip(manager)
    first = export(actor=manager, experts=Expert.objects.prefetch_related("specialties"))
    headers, rows = _read(first, f"pool.{fmt}")
    assert headers == imports.export_headers(with_id_numbers=True)
    assert len(rows) == 3
    Expert.objects.all().delete()

    result = _import(first, f"pool.{fmt}", actor=manager)

    assert result.errors == []
    assert Expert.objects.count() == 3
    assert Expert.objects.filter(name='=HYPERLINK("x")').exists()
    again = export(actor=manager, experts=Expert.objects.prefetch_related("specialties"))
    assert _facts(*_read(again, f"pool.{fmt}")) == _facts(headers, rows)


def test_exported_formulas_are_text_in_both_formats():
    manager = pool_manager()
    make_expert(manager, with_account=False, name="=1+1")
    experts = Expert.objects.prefetch_related("specialties")
    assert "'=1+1" in imports.export_csv(actor=manager, experts=experts).decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(imports.export_xlsx(actor=manager, experts=experts))).active
    name = sheet.cell(row=2, column=2)
    assert (name.value, name.data_type) == ("=1+1", "s")


def test_the_id_number_is_exported_only_to_pool_managers():
    manager = pool_manager()
    expert = make_expert(manager, with_account=False)
    supervisor = make_user(Role.SUPERVISOR)
    experts = Expert.objects.prefetch_related("specialties")

    for export, fmt in ((imports.export_csv, "csv"), (imports.export_xlsx, "xlsx")):
        headers, rows = _read(export(actor=supervisor, experts=experts), f"pool.{fmt}")
        assert "身份证号" not in headers
        assert expert.id_card_number not in {imports._text(cell) for cell in rows[0]}
        assert expert.name in {imports._text(cell) for cell in rows[0]}
        headers, rows = _read(export(actor=manager, experts=experts), f"pool.{fmt}")
        assert "身份证号" in headers
        assert expert.id_card_number in {imports._text(cell) for cell in rows[0]}


def test_export_page_filters_like_the_list_and_hides_id_numbers_from_supervisors():
    manager = pool_manager()
    wanted = make_expert(manager, with_account=False, specialties=["A0102"])
    other = make_expert(manager, with_account=False, specialties=["B0101"])
    url = reverse("experts:pool_export", kwargs={"fmt": "csv"}) + "?specialty=A01"

    response = signed_in_client(make_user(Role.SUPERVISOR)).get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    assert wanted.name in text and other.name not in text
    assert wanted.id_card_number not in text
    manager_text = signed_in_client(manager).get(url).content.decode("utf-8-sig")
    assert wanted.id_card_number in manager_text
    assert signed_in_client(manager).get(reverse("experts:pool_export", kwargs={"fmt": "pdf"})).status_code == 404


def test_import_page_shows_the_report_and_writes_nothing_then_imports_a_good_file():
    manager = pool_manager()
    client = signed_in_client(manager)
    url = reverse("experts:pool_import")
    bad = [_row(), _row()]
    bad[1]["手机号"] = "12345"

    response = client.post(url, {"file": _upload(_csv(bad), "experts.csv")})

    assert response.status_code == 200
    page = response.content.decode()
    assert "手机号应为以1开头的11位数字。" in page and '<td class="num">3</td>' in page
    assert Expert.objects.count() == 0

    response = client.post(url, {"file": _upload(_csv([_row(), _row()]), "experts.csv")})
    assert response.status_code == 302 and response["Location"] == reverse("experts:pool_list")
    assert Expert.objects.count() == 2


def test_import_page_refuses_other_file_types():
    client = signed_in_client(pool_manager())
    response = client.post(reverse("experts:pool_import"), {"file": _upload(b"x", "experts.pdf")})
    assert response.status_code == 200
    assert "请上传.csv或.xlsx文件。" in response.content.decode()


def _upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_the_test_data_has_valid_id_numbers():
    # So that the other tests fail only for what they change.
    validate_id_card_number(id_card(7, dt.date(1990, 1, 1)))
