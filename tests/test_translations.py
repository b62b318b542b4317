"""The English catalog (locale/en/LC_MESSAGES/django.po) is complete, keeps every placeholder,
matches the committed django.mo, and knows every Chinese string the code and templates ask for.

The msgids are Simplified Chinese (zh-hans is the first language); English is the only catalog.
No database is needed. After adding or changing a Chinese UI string, run:

    GGZY_ENV=test .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete
    (translate the new entries in locale/en/LC_MESSAGES/django.po, drop their "#, fuzzy" flags)
    GGZY_ENV=test .venv/bin/python manage.py compilemessages -l en --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# --------------------------------------------------------------------------------------------
# A small PO parser: msgctxt, msgid, msgid_plural, msgstr, msgstr[n], multi-line strings,
# escapes, flags ("#, fuzzy, python-format"); obsolete entries ("#~") are skipped.
# --------------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD_RE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")\s*$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        where = f" ({self.references[0]})" if self.references else ""
        return f"line {self.line}{where}: {self.msgid!r}"


def _unquote(literal: str, lineno: int) -> str:
    literal = literal.strip()
    if len(literal) < 2 or not (literal.startswith('"') and literal.endswith('"')):
        raise ValueError(f"line {lineno}: not a quoted PO string: {literal!r}")
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body):
                raise ValueError(f"line {lineno}: dangling backslash")
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "01234567":
                digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group()  # type: ignore[union-attr]
                out.append(chr(int(digits, 8)))
                i += 1 + len(digits)
            else:
                raise ValueError(f"line {lineno}: unknown escape \\{nxt}")
        elif char == '"':
            raise ValueError(f"line {lineno}: unescaped quote inside a PO string")
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword (and msgstr index) continuation lines belong to
    seen_keyword = False

    def flush() -> None:
        nonlocal current, target, seen_keyword
        if current is not None and seen_keyword:
            entries.append(current)
        current, target, seen_keyword = None, None, False

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        starts_new = line.startswith("#") or line.startswith(("msgctxt", "msgid ", "msgid\t"))
        if starts_new and current is not None and current.msgstr:
            flush()  # an entry not separated from the previous one by a blank line
        if current is None:
            current = Entry(line=lineno)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#:"):
            current.references += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"line {lineno}: string continuation without a keyword")
            value = _unquote(line, lineno)
            keyword, index = target
            if keyword == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, keyword, getattr(current, keyword) + value)
        else:
            match = _KEYWORD_RE.match(line)
            if not match:
                raise ValueError(f"line {lineno}: cannot parse {raw!r}")
            keyword, index, literal = match.groups()
            value = _unquote(literal, lineno)
            seen_keyword = True
            if keyword == "msgstr":
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                if index is not None:
                    raise ValueError(f"line {lineno}: {keyword} takes no index")
                target = (keyword, 0)
                setattr(current, keyword, value)
                if keyword == "msgid":
                    current.line = lineno
    flush()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH.relative_to(ROOT)} is missing: run makemessages -l en"
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not e.is_header]


def test_parser_handles_the_po_syntax() -> None:
    sample = r"""# comment
msgid ""
msgstr ""
"Language: en\n"

#: a.py:1
#, fuzzy, python-format
msgid ""
"第 %(n)s 页，"
"说“好”"
msgstr "Page %(n)s, said \"good\"\\"
"!"
#: b.py:2
msgctxt "menu"
msgid "一个"
msgid_plural "多个"
msgstr[0] "one"
msgstr[1] ""
"many"

#~ msgid "旧"
#~ msgstr "old"
"""
    header, first, second = parse_po(sample)
    assert header.is_header and header.msgstr[0] == "Language: en\n"
    assert first.msgid == "第 %(n)s 页，说“好”"
    assert first.msgstr == {0: 'Page %(n)s, said "good"\\!'}
    assert first.flags == {"fuzzy", "python-format"}
    assert second.msgctxt == "menu" and second.msgid_plural == "多个"
    assert second.msgstr == {0: "one", 1: "many"}
    assert second.references == ["b.py:2"]


# --------------------------------------------------------------------------------------------
# (a) complete, nothing fuzzy; a sensible header
# --------------------------------------------------------------------------------------------


def test_header(entries: list[Entry]) -> None:
    headers = [e for e in entries if e.is_header]
    assert len(headers) == 1
    header = headers[0]
    assert "fuzzy" not in header.flags
    text = header.msgstr[0]
    assert re.search(r"^Language: en$", text, re.M), text
    assert "Content-Type: text/plain; charset=UTF-8" in text
    assert re.search(r"^Plural-Forms: nplurals=2; plural=\(n != 1\);$", text, re.M), text


def test_every_entry_is_translated_and_not_fuzzy(messages: list[Entry]) -> None:
    assert messages, "the catalog has no messages"
    problems = []
    for e in messages:
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.label}")
        expected = {0, 1} if e.msgid_plural is not None else {0}
        if set(e.msgstr) != expected:
            problems.append(f"msgstr forms {sorted(e.msgstr)} instead of {sorted(expected)}: {e.label}")
        if not all(e.msgstr.get(i, "").strip() for i in expected):
            problems.append(f"untranslated: {e.label}")
    assert not problems, "\n".join(problems)


def test_no_duplicate_msgids(messages: list[Entry]) -> None:
    keys = [(e.msgctxt, e.msgid) for e in messages]
    duplicates = sorted({k for k in keys if keys.count(k) > 1}, key=str)
    assert not duplicates, duplicates


# --------------------------------------------------------------------------------------------
# (b) placeholders survive translation
# --------------------------------------------------------------------------------------------

_BRACE_RE = re.compile(r"(?<!\{)\{[^{}\s]*\}(?!\})")
_NAMED_PERCENT_RE = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_POSITIONAL_PERCENT_RE = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def placeholders(text: str, flags: set[str]) -> list[str]:
    found = _BRACE_RE.findall(text) + _NAMED_PERCENT_RE.findall(text)
    if "python-format" in flags:
        found += _POSITIONAL_PERCENT_RE.findall(text.replace("%%", ""))
    return sorted(found)


def test_placeholders_are_kept(messages: list[Entry]) -> None:
    problems = []
    for e in messages:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        wanted = set()
        for source in sources:
            wanted |= set(placeholders(source, e.flags))
        for index, translation in e.msgstr.items():
            got = set(placeholders(translation, e.flags))
            if got - wanted or wanted - got:
                problems.append(
                    f"msgstr[{index}] of {e.label}: missing {sorted(wanted - got)}, unknown {sorted(got - wanted)}"
                )
            if "python-format" in e.flags and "%" in translation.replace("%%", "") and not got and not wanted:
                problems.append(f"bare % in a python-format msgstr[{index}] of {e.label}")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_check_passes() -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(PO_PATH)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------
# (c) the committed django.mo says exactly what the .po says
# --------------------------------------------------------------------------------------------


def test_mo_matches_po(messages: list[Entry]) -> None:
    assert MO_PATH.exists(), "django.mo is missing: run compilemessages -l en"
    with MO_PATH.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    assert compiled.info().get("language") == "en"
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}  # type: ignore[attr-defined]

    expected: dict[object, str] = {}
    for e in messages:
        if "fuzzy" in e.flags:
            continue  # msgfmt leaves fuzzy entries out
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if e.msgstr.get(0):
                expected[msgid] = e.msgstr[0]
        elif all(e.msgstr.values()):
            for index, value in e.msgstr.items():
                expected[(msgid, index)] = value

    stale = sorted(str(k) for k in actual.keys() - expected.keys())
    missing = sorted(str(k) for k in expected.keys() - actual.keys())
    changed = sorted(str(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    assert not (stale or missing or changed), (
        "django.mo is stale, run compilemessages -l en:\n"
        f"only in .mo: {stale[:10]}\nonly in .po: {missing[:10]}\ndifferent: {changed[:10]}"
    )


# --------------------------------------------------------------------------------------------
# (d) every Chinese string the code and templates ask for is in the catalog
# --------------------------------------------------------------------------------------------

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# One Python string literal (no f-, b- or triple-quoted strings), then more literals that Python
# joins (implicit concatenation), possibly across lines and comments.
_PY_LITERAL = r"""(?:[rRuU]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))"""
_PY_GAP = r"(?:\s|#[^\n]*)*"
_PY_CALL_RE = re.compile(
    rf"(?<![\w.])(?:_|gettext|gettext_lazy)\({_PY_GAP}((?:{_PY_LITERAL}{_PY_GAP})+)[,)]",
)
_PY_ONE_LITERAL_RE = re.compile(_PY_LITERAL)

_TPL_STRING = r"""(?:"[^"]*"|'[^']*')"""
_TPL_TRANSLATE_RE = re.compile(rf"{{%-?\s*(?:translate|trans)\s+({_TPL_STRING})([^%]*?)-?%}}")
_TPL_CONTEXT_RE = re.compile(rf"\bcontext\s+({_TPL_STRING})")
_TPL_UNDERSCORE_RE = re.compile(rf"(?<![\w.])_\(\s*({_TPL_STRING})\s*\)")
_TPL_BLOCK_RE = re.compile(
    r"{%-?\s*(?:blocktranslate|blocktrans)\b(?P<args>[^%]*?)-?%}(?P<body>.*?){%-?\s*(?:endblocktranslate|endblocktrans)\s*-?%}",
    re.S,
)
_TPL_PLURAL_RE = re.compile(r"{%-?\s*plural\s*-?%}")
_TPL_VAR_RE = re.compile(r"{{\s*([\w.]+)\s*}}")


def _python_sources() -> list[Path]:
    files = sorted((ROOT / "ggzy").rglob("*.py")) + sorted((ROOT / "config").glob("*.py"))
    return [p for p in files if "__pycache__" not in p.parts]


def _template_sources() -> list[Path]:
    files = set((ROOT / "templates").rglob("*.html"))
    for templates_dir in (ROOT / "ggzy").rglob("templates"):
        if templates_dir.is_dir():
            files |= set(templates_dir.rglob("*.html"))
    return sorted(files)


def python_msgids(source: str) -> list[str]:
    found = []
    for match in _PY_CALL_RE.finditer(source):
        literals = _PY_ONE_LITERAL_RE.findall(match.group(1))
        found.append("".join(ast.literal_eval(literal) for literal in literals))
    return found


def _blocktranslate_msgid(body: str, trimmed: bool) -> str:
    if trimmed:
        body = re.sub(r"\s*\n\s*", " ", body.strip())
    body = body.replace("%", "%%")
    return _TPL_VAR_RE.sub(lambda m: f"%({m.group(1)})s", body)


def template_msgids(source: str) -> list[tuple[str | None, str, str | None]]:
    """(context, msgid, msgid_plural) of each translatable string of a template."""
    found: list[tuple[str | None, str, str | None]] = []
    for match in _TPL_TRANSLATE_RE.finditer(source):
        context = _TPL_CONTEXT_RE.search(match.group(2))
        found.append((context.group(1)[1:-1] if context else None, match.group(1)[1:-1], None))
    for match in _TPL_UNDERSCORE_RE.finditer(source):
        found.append((None, match.group(1)[1:-1], None))
    for match in _TPL_BLOCK_RE.finditer(source):
        args = match.group("args")
        context = _TPL_CONTEXT_RE.search(args)
        trimmed = re.search(r"\btrimmed\b", args) is not None
        singular, *plural = _TPL_PLURAL_RE.split(match.group("body"), maxsplit=1)
        found.append(
            (
                context.group(1)[1:-1] if context else None,
                _blocktranslate_msgid(singular, trimmed),
                _blocktranslate_msgid(plural[0], trimmed) if plural else None,
            )
        )
    return found


def test_source_scanners_find_what_makemessages_finds() -> None:
    python = """
x = _("一")
y = gettext_lazy(
    "二"  # a comment
    '三'
)
z = gettext("四{n}").format(n=1)
w = _(f"不算{x}")
v = obj._("不算")
"""
    assert python_msgids(python) == ["一", "二三", "四{n}"]
    template = """{% translate "甲" %}{% trans '乙' as t %}{% translate "丙" context "菜单" %}
{{ v|default:_("丁") }}{% blocktranslate with n=x %}第 {{ n }} 页，100%{% endblocktranslate %}
{% blocktranslate trimmed count c=n %}
  一个
  {{ c }}
{% plural %}
  多个 {{ c }}
{% endblocktranslate %}"""
    assert template_msgids(template) == [
        (None, "甲", None),
        (None, "乙", None),
        ("菜单", "丙", None),
        (None, "丁", None),
        (None, "第 %(n)s 页，100%%", None),
        (None, "一个 %(c)s", "多个 %(c)s"),
    ]


def test_every_chinese_source_string_is_in_the_catalog(messages: list[Entry]) -> None:
    known = {(e.msgctxt, e.msgid) for e in messages}
    plurals = {(e.msgctxt, e.msgid): e.msgid_plural for e in messages}
    missing: dict[str, list[str]] = {}
    checked = 0
    for path in _python_sources():
        for msgid in python_msgids(path.read_text(encoding="utf-8")):
            if not _CJK_RE.search(msgid):
                continue
            checked += 1
            if (None, msgid) not in known:
                missing.setdefault(str(path.relative_to(ROOT)), []).append(msgid)
    for path in _template_sources():
        for context, msgid, plural in template_msgids(path.read_text(encoding="utf-8")):
            if not _CJK_RE.search(msgid + (plural or "")):
                continue
            checked += 1
            if (context, msgid) not in known or (plural is not None and plurals[(context, msgid)] != plural):
                missing.setdefault(str(path.relative_to(ROOT)), []).append(msgid)
    assert checked > 100, f"only {checked} Chinese strings found: the source scanners are broken"
    report = "\n".join(f"{path}:\n  " + "\n  ".join(repr(m) for m in ids) for path, ids in sorted(missing.items()))
    assert not missing, (
        "strings missing from locale/en/LC_MESSAGES/django.po; run makemessages -l en, translate, "
        f"compilemessages:\n{report}"
    )
