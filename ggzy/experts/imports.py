"""Import and export of the expert pool.

Files are CSV (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or .xlsx. An
import checks every row first and writes nothing unless all rows pass; the report names each
refused row (its number in the file, the header being row 1), the column and the reason.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ggzy.accounts.models import User
from ggzy.accounts.uscc import validate_uscc

from . import policies, pool_selectors, services, validators
from .choices import ExpertStatus, TitleLevel
from .models import Expert

MAX_ROWS = 2000  # experts in one file; a larger pool is imported in several files
MAX_SCANNED_ROWS = 20_000  # rows read, blank ones included, before a file is refused
MAX_COLUMNS = 64
SOURCE_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = True  # the cell must not be blank (so the column must be in the file)


# The headers are a file format, not page text: they stay Chinese in every interface language,
# so that an exported file always imports again.
COLUMNS = (
    Column("name", "姓名"),
    Column("id_card_number", "身份证号"),
    Column("birth_date", "出生日期"),
    Column("mobile", "手机号"),
    Column("email", "电子邮箱", required=False),
    Column("employer_name", "工作单位"),
    Column("employer_uscc", "工作单位统一社会信用代码", required=False),
    Column("region_code", "所在地行政区划代码"),
    Column("title_level", "职称等级"),
    Column("title_name", "职称名称", required=False),
    Column("practice_since", "从事专业工作起始日期"),
    Column("specialties", "评标专业"),
)
NUMBER_HEADER = "专家编号"
STATUS_HEADER = "状态"
HEADER_OF = {column.field: column.header for column in COLUMNS}
SPECIALTY_SEPARATORS = (";", "；", "、")
# A cell starting with one of these is a formula to a spreadsheet: exports quote it with "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass(frozen=True)
class RowError:
    row: int  # the row's number in the file; 0 for the file as a whole
    column: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    rows: int
    errors: list[RowError]
    created: list[Expert]


# ---------------------------------------------------------------- reading a file


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\ufeff", "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(_("不支持UTF-16编码的文件，请另存为UTF-8或GB18030编码的CSV文件。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("无法识别文件编码，请另存为UTF-8或GB18030编码的CSV文件。"))


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileRefused(_("CSV文件第{row}行格式有误。").format(row=reader.line_num)) from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # whatever the library trips on, the file is unreadable
        raise FileRefused(_("无法读取该Excel文件，请确认它是.xlsx格式。")) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            cells = list(values)
            while cells and cells[-1] is None:  # rows come padded to the widest one
                cells.pop()
            yield number, cells
    except FileRefused:
        raise
    except Exception as exc:  # a damaged part of the sheet
        raise FileRefused(_("无法读取该Excel文件，请确认它是.xlsx格式。")) from exc
    finally:
        workbook.close()


def read_table(content: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    """Every non-blank row with its number in the file, the header first."""
    if content.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(content)
    elif content.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused(_("不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV文件后再导入。"))
    else:
        rows = _csv_rows(content)
    table: list[tuple[int, list[Any]]] = []
    too_many = _("一个文件最多导入{count}名专家，请分成多个文件导入。").format(count=MAX_ROWS)
    for number, cells in rows:
        if number > MAX_SCANNED_ROWS:
            raise FileRefused(too_many)
        if any(_text(cell) for cell in cells):
            table.append((number, cells))
            if len(table) > MAX_ROWS + 1:  # the header and MAX_ROWS experts
                raise FileRefused(too_many)
    if not table:
        raise FileRefused(_("文件中没有内容。"))
    return table


# ---------------------------------------------------------------- cells to facts


def _required(value: str) -> str:
    if not value:
        raise ValidationError(_("此项不能为空。"))
    return value


def _parse_text(value: Any) -> str:
    return _text(value)


def _parse_required_text(value: Any) -> str:
    return _required(_text(value))


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _required(_text(value))
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("日期“{value}”无法识别，请写成YYYY-MM-DD，例如1975-05-01。").format(value=text))


def _parse_id_card_number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValidationError(_("身份证号须以文本格式填写：Excel把18位数字存为数值时会丢失后几位。"))
    text = _required(_text(value)).upper()
    validators.validate_id_card_number(text)
    return text


def _parse_mobile(value: Any) -> str:
    text = _required(_text(value))
    validators.validate_mobile(text)
    return text


def _parse_uscc(value: Any) -> str:
    text = _text(value).upper()
    if text:
        validate_uscc(text)
    return text


def _title_levels() -> dict[str, int]:
    with translation.override(SOURCE_LANGUAGE):
        levels = {str(level.label): int(level) for level in TitleLevel}
    return levels | {str(int(level)): int(level) for level in TitleLevel}


def title_level_label(level: int) -> str:
    with translation.override(SOURCE_LANGUAGE):
        return str(TitleLevel(level).label)


def _parse_title_level(value: Any) -> int:
    text = _required(_text(value))
    levels = _title_levels()
    if text not in levels:
        names = "、".join(title_level_label(int(level)) for level in TitleLevel)
        raise ValidationError(_("职称等级应为以下之一：{names}（也可写0至4）。").format(names=names))
    return levels[text]


def _parse_specialties(value: Any) -> list[str]:
    text = _required(_text(value))
    for separator in SPECIALTY_SEPARATORS[1:]:
        text = text.replace(separator, SPECIALTY_SEPARATORS[0])
    codes = [code.strip().upper() for code in text.split(SPECIALTY_SEPARATORS[0])]
    return list(dict.fromkeys(code for code in codes if code))


PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": _parse_required_text,
    "id_card_number": _parse_id_card_number,
    "birth_date": _parse_date,
    "mobile": _parse_mobile,
    "email": _parse_text,
    "employer_name": _parse_required_text,
    "employer_uscc": _parse_uscc,
    "region_code": _parse_required_text,
    "title_level": _parse_title_level,
    "title_name": _parse_text,
    "practice_since": _parse_date,
    "specialties": _parse_specialties,
}


def _header_positions(row: int, cells: list[Any]) -> tuple[dict[str, int], list[RowError]]:
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        header = _text(cell)
        if not header:
            continue
        if header in positions:
            errors.append(RowError(row, header, _("“{column}”列出现了不止一次。").format(column=header)))
        positions[header] = index
    for column in COLUMNS:
        if column.required and column.header not in positions:
            errors.append(RowError(row, column.header, _("缺少“{column}”列。").format(column=column.header)))
    return positions, errors


def _row_facts(cells: list[Any], positions: dict[str, int]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The facts of one row, and the reasons each refused cell was refused (by field)."""
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for column in COLUMNS:
        index = positions.get(column.header)
        value = cells[index] if index is not None and index < len(cells) else None
        try:
            data[column.field] = PARSERS[column.field](value)
        except ValidationError as exc:
            problems[column.field] = list(exc.messages)
    if "id_card_number" in data and "birth_date" in data:
        mismatch = validators.birth_date_mismatch(data["id_card_number"], data["birth_date"])
        if mismatch:
            problems["birth_date"] = [mismatch]
    return data, problems


def _build_problems(data: dict[str, Any], known: dict[str, list[str]]) -> dict[str, list[str]]:
    """What the service's own checks refuse, for the fields that passed the cell checks."""
    facts = {name: value for name, value in data.items() if name not in known}
    try:
        services.expert_build(data=facts)
    except ValidationError as exc:
        return {name: messages for name, messages in exc.message_dict.items() if name not in known}
    return {}


def _errors_of(row: int, problems: dict[str, list[str]]) -> list[RowError]:
    return [
        RowError(row, HEADER_OF.get(name, ""), message) for name, messages in problems.items() for message in messages
    ]


def _column_order(error: RowError) -> tuple[int, int]:
    headers = list(HEADER_OF.values())
    return error.row, headers.index(error.column) if error.column in headers else -1


def experts_import_file(*, actor: User, content: bytes, filename: str) -> ImportResult:
    """Check every row; create all the experts in one transaction, or none and say why."""
    if not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以导入专家。"))
    try:
        table = read_table(content, filename)
    except FileRefused as exc:
        return ImportResult(rows=0, errors=[RowError(0, "", str(exc))], created=[])
    (header_row, header_cells), body = table[0], table[1:]
    positions, errors = _header_positions(header_row, header_cells)
    if errors:
        return ImportResult(rows=len(body), errors=errors, created=[])
    if not body:
        return ImportResult(rows=0, errors=[RowError(0, "", _("文件中没有专家数据。"))], created=[])

    parsed = [(row, *_row_facts(cells, positions)) for row, cells in body]
    in_pool = pool_selectors.id_numbers_in_pool(
        data["id_card_number"] for _row, data, problems in parsed if "id_card_number" not in problems
    )
    first_row_of: dict[str, int] = {}
    for row, data, problems in parsed:
        number = data.get("id_card_number")
        if number is not None and "id_card_number" not in problems:
            if number in in_pool:
                problems["id_card_number"] = [_("该身份证号已在专家库中。")]
            elif number in first_row_of:
                problems["id_card_number"] = [_("与第{row}行的身份证号重复。").format(row=first_row_of[number])]
            else:
                first_row_of[number] = row
        problems.update(_build_problems(data, problems))
        errors += _errors_of(row, problems)
    if errors:
        return ImportResult(rows=len(body), errors=sorted(errors, key=_column_order), created=[])

    try:
        created = services.experts_import(actor=actor, rows=[data for _row, data, _problems in parsed])
    except services.ImportRowRefused as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return ImportResult(rows=len(body), errors=_errors_of(parsed[exc.index][0], problems), created=[])
    except ValidationError as exc:
        return ImportResult(rows=len(body), errors=[RowError(0, "", m) for m in exc.messages], created=[])
    return ImportResult(rows=len(body), errors=[], created=created)


# ---------------------------------------------------------------- export


def export_headers(*, with_id_numbers: bool) -> list[str]:
    headers = [column.header for column in COLUMNS if with_id_numbers or column.field != "id_card_number"]
    return [NUMBER_HEADER, *headers, STATUS_HEADER]


def _export_values(expert: Expert, *, with_id_numbers: bool) -> list[Any]:
    with translation.override(SOURCE_LANGUAGE):
        status = str(ExpertStatus(expert.status).label)
    values = {
        "name": expert.name,
        "id_card_number": expert.id_card_number,
        "birth_date": expert.birth_date,
        "mobile": expert.mobile,
        "email": expert.email,
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
        "region_code": expert.region_code,
        "title_level": title_level_label(expert.title_level),
        "title_name": expert.title_name,
        "practice_since": expert.practice_since,
        "specialties": SPECIALTY_SEPARATORS[0].join(sorted(s.code for s in expert.specialties.all())),
    }
    cells = [values[c.field] for c in COLUMNS if with_id_numbers or c.field != "id_card_number"]
    return [expert.number, *cells, status]


def export_table(*, actor: User, experts: Iterable[Expert]) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows; the ID number (personal data) only for the pool's managers."""
    with_id_numbers = policies.can_manage_pool(actor)
    rows = (_export_values(expert, with_id_numbers=with_id_numbers) for expert in experts)
    return export_headers(with_id_numbers=with_id_numbers), rows


def _csv_cell(value: Any) -> str:
    text = _text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv(*, actor: User, experts: Iterable[Expert]) -> bytes:
    """UTF-8 with a BOM, which is how Excel recognises a Unicode CSV file."""
    headers, rows = export_table(actor=actor, experts=experts)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(*, actor: User, experts: Iterable[Expert]) -> bytes:
    headers, rows = export_table(actor=actor, experts=experts)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("专家库")
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(12, 2 * len(header) + 2)
    sheet.append(headers)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
