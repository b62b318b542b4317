"""Writes of the experts app: the pool, profile changes under review, and the verifiable draw."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.locks import lock, lock_instance
from ggzy.jobs.services import job_enqueue
from ggzy.notifications.services import notification_send
from ggzy.projects.models import Lot
from ggzy.rules import periods
from ggzy.rules.selectors import RuleMissing, rule_for
from ggzy.tendering import selectors as tendering_selectors
from ggzy.witness.services import event_record

from . import draw, filters, policies
from .choices import ChangeStatus, DrawStatus, ExpertStatus, RatingKind, SelectionState
from .models import DrawLine, DrawRequest, Expert, ExpertChange, ExpertConflict, Rating, Selection, Specialty

SEED_FILE = Path(__file__).resolve().parent / "seed" / "specialties.json"

# Facts that decide whether an expert may be drawn: changed only after review.
ELIGIBILITY_FIELDS = (
    "name",
    "id_card_number",
    "birth_date",
    "employer_name",
    "employer_uscc",
    "region_code",
    "title_level",
    "title_name",
    "practice_since",
)
CONTACT_FIELDS = ("mobile", "email")


# ---------------------------------------------------------------- pool


@transaction.atomic
def specialties_seed() -> int:
    """Load the specialty classification; loading it twice changes nothing."""
    rows = json.loads(SEED_FILE.read_text(encoding="utf-8"))["specialties"]
    created = 0
    for row in rows:
        parent = Specialty.objects.get(code=row["parent"]) if row["parent"] else None
        _obj, was_created = Specialty.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "parent": parent}
        )
        created += int(was_created)
    return created


def _snapshot(expert: Expert) -> dict[str, Any]:
    """What the witness log keeps of an expert: eligibility facts without contact or identity data."""
    return {
        "number": expert.number,
        "status": expert.status,
        "status_until": expert.status_until.isoformat() if expert.status_until else None,
        "region_code": expert.region_code,
        "title_level": expert.title_level,
        "practice_since": expert.practice_since.isoformat(),
        "employer_uscc": expert.employer_uscc,
        "specialties": sorted(expert.specialties.values_list("code", flat=True)) if expert.pk else [],
    }


def expert_number(pk: int) -> str:
    """The public pool number: derived from the row id, so concurrent imports never collide."""
    return f"E{pk:07d}"


def _specialties(codes: list[str]) -> list[Specialty]:
    if not codes:
        raise ValidationError({"specialties": _("至少选择一个评标专业。")})
    found = {s.code: s for s in Specialty.objects.filter(code__in=codes, is_active=True)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({"specialties": _("未知的专业代码：{codes}").format(codes="、".join(unknown))})
    return [found[code] for code in codes]


def expert_build(*, data: dict[str, Any], number: str = "") -> tuple[Expert, list[Specialty]]:
    """Validate one expert's facts without writing anything (also used by the import)."""
    now = clock.now()
    facts = {name: data[name] for name in (*ELIGIBILITY_FIELDS, *CONTACT_FIELDS) if name in data}
    expert = Expert(number=number or "E0000000", created_at=now, updated_at=now, **facts)
    errors: dict[str, list[str]] = {}
    try:
        expert.full_clean(exclude=["number", "user"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    specialties: list[Specialty] = []
    try:
        specialties = _specialties(list(data.get("specialties", [])))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return expert, specialties


@transaction.atomic
def expert_create(*, actor: User, data: dict[str, Any], user: User | None = None) -> Expert:
    if not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以录入专家。"))
    expert, specialties = expert_build(data=data)
    if Expert.objects.filter(id_card_number=expert.id_card_number).exists():
        raise ValidationError({"id_card_number": _("该身份证号已在专家库中。")})
    expert.number = f"T{secrets.token_hex(7)}"  # placeholder until the row has its id
    expert.user = user
    expert.full_clean()
    expert.save()
    expert.number = expert_number(expert.pk)
    expert.save(update_fields=["number"])
    expert.specialties.set(specialties)
    event_record(action="expert.create", actor=actor, obj=expert, after=_snapshot(expert))
    return expert


@transaction.atomic
def expert_status_set(*, actor: User, expert: Expert, status: str, until: dt.date | None, reason: str) -> Expert:
    """Suspend (pool manager), ban (supervisors only: a penalty) or restore an expert."""
    if status == ExpertStatus.BANNED or expert.status == ExpertStatus.BANNED:
        if not policies.can_ban(actor):
            raise PermissionDenied(_("禁止或解除禁止专家参加评审是行政监督部门的处罚权。"))
    elif not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以暂停专家。"))
    expert = lock_instance(expert)
    before = _snapshot(expert)
    expert.status = status
    expert.status_until = until if status != ExpertStatus.ACTIVE else None
    expert.status_reason = reason.strip() if status != ExpertStatus.ACTIVE else ""
    expert.updated_at = clock.now()
    expert.full_clean()
    expert.save()
    event_record(action="expert.status", actor=actor, obj=expert, before=before, after=_snapshot(expert))
    return expert


@transaction.atomic
def expert_conflict_declare(
    *, actor: User, expert: Expert, organization_uscc: str = "", person_name: str = "", relation: str
) -> ExpertConflict:
    if not policies.can_edit_profile(actor, expert):
        raise PermissionDenied(_("只能申报本人的回避关系。"))
    conflict = ExpertConflict(
        expert=expert,
        organization_uscc=organization_uscc.strip().upper(),
        person_name=person_name.strip(),
        relation=relation.strip(),
        declared_at=clock.now(),
    )
    conflict.full_clean()
    conflict.save()
    event_record(
        action="expert.conflict_declare",
        actor=actor,
        obj=conflict,
        after={"expert": expert.number, "organization_uscc": conflict.organization_uscc, "person": bool(person_name)},
    )
    return conflict


@transaction.atomic
def expert_contact_update(*, actor: User, expert: Expert, mobile: str, email: str) -> Expert:
    """Contact details are the expert's own and take effect at once."""
    if not policies.can_edit_profile(actor, expert):
        raise PermissionDenied(_("只能修改本人的联系方式。"))
    expert = lock_instance(expert)
    expert.mobile, expert.email, expert.updated_at = mobile.strip(), email.strip(), clock.now()
    expert.full_clean()
    expert.save()
    event_record(action="expert.contact_update", actor=actor, obj=expert, after={"number": expert.number})
    return expert


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def expert_change_submit(*, actor: User, expert: Expert, changes: dict[str, Any]) -> ExpertChange:
    """An expert asks to change eligibility facts; nothing changes until a pool manager approves."""
    if not policies.can_edit_profile(actor, expert):
        raise PermissionDenied(_("只能修改本人的专家信息。"))
    unknown = set(changes) - {*ELIGIBILITY_FIELDS, "specialties"}
    if unknown:
        raise ValidationError(_("这些信息不能通过变更申请修改：{fields}").format(fields="、".join(sorted(unknown))))
    if not changes:
        raise ValidationError(_("没有要变更的内容。"))
    data = {name: getattr(expert, name) for name in (*ELIGIBILITY_FIELDS, *CONTACT_FIELDS)}
    data["specialties"] = list(expert.specialties.values_list("code", flat=True))
    data.update(changes)
    expert_build(data=data, number=expert.number)  # the change must be valid as a whole
    if Expert.objects.filter(id_card_number=data["id_card_number"]).exclude(pk=expert.pk).exists():
        raise ValidationError({"id_card_number": _("该身份证号已在专家库中。")})
    change = ExpertChange(
        expert=expert, changes={k: _jsonable(v) for k, v in changes.items()}, submitted_at=clock.now()
    )
    change.full_clean()
    change.save()
    event_record(action="expert.change_submit", actor=actor, obj=change, after={"fields": sorted(changes)})
    return change


@transaction.atomic
def expert_change_review(*, actor: User, change: ExpertChange, approve: bool, note: str = "") -> ExpertChange:
    if not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以审核专家信息变更。"))
    change = lock_instance(change)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("该变更已审核。"))
    if not approve and not note.strip():
        raise ValidationError({"review_note": _("驳回须写明理由。")})
    expert = lock_instance(change.expert)
    before = _snapshot(expert)
    if approve:
        data = dict(change.changes)
        codes = data.pop("specialties", None)
        for name, value in data.items():
            field = Expert._meta.get_field(name)
            setattr(expert, name, field.to_python(value))  # type: ignore[union-attr]
        expert.updated_at = clock.now()
        expert.full_clean()
        expert.save()
        if codes is not None:
            expert.specialties.set(_specialties(list(codes)))
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.reviewed_by, change.reviewed_at, change.review_note = actor, clock.now(), note.strip()
    change.full_clean()
    change.save()
    event_record(action="expert.change_review", actor=actor, obj=change, before=before, after=_snapshot(expert))
    return change


class ImportRowRefused(ValidationError):
    """One expert of an import was refused; `index` is its position in the rows given."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.index = index


@transaction.atomic
def experts_import(*, actor: User, rows: list[dict[str, Any]]) -> list[Expert]:
    """Create every expert of an import file, or none: one refused row undoes the whole file."""
    if not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以导入专家。"))
    if not rows:
        raise ValidationError(_("文件中没有专家数据。"))
    created = []
    for index, data in enumerate(rows):
        try:
            created.append(expert_create(actor=actor, data=data))
        except ValidationError as exc:
            raise ImportRowRefused(index, exc) from exc
    return created


@transaction.atomic
def expert_account_link(*, actor: User, expert: Expert, user: User) -> Expert:
    """Give an expert (an imported one has none) the platform account they sign in with."""
    from ggzy.accounts.policies import Capability, has

    if not policies.can_manage_pool(actor):
        raise PermissionDenied(_("只有交易中心专家库管理人员可以关联专家账号。"))
    expert = lock_instance(expert)
    if expert.user_id is not None:
        raise ValidationError(_("该专家已关联账号。"))
    if not has(user, Capability.EXPERT_RESPOND):
        raise ValidationError({"username": _("该账号没有评标专家角色。")})
    other = Expert.objects.filter(user=user).values_list("number", flat=True).first()
    if other is not None:
        raise ValidationError({"username": _("该账号已关联专家{number}。").format(number=other)})
    expert.user, expert.updated_at = user, clock.now()
    expert.full_clean()
    expert.save()
    event_record(action="expert.account_link", actor=actor, obj=expert, after={"number": expert.number})
    return expert


# ---------------------------------------------------------------- draw requests


@dataclass(frozen=True)
class LineInput:
    specialty_code: str
    count: int
    reserves: int = 0


def _check_request_window(lot: Lot, starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at <= now:
        raise ValidationError({"evaluation_starts_at": _("评标开始时间应晚于当前时间。")})
    try:
        lead = rule_for("expert.draw_lead_max_working_days", lot.project)
    except RuleMissing:
        return  # e.g. negotiation, consultation: no earliest time (198号 art. 14)
    days = periods.working_days_between(clock.local(now).date(), clock.local(starts_at).date())
    if days > lead.as_int():
        raise ValidationError(
            {
                "evaluation_starts_at": _(
                    "抽取专家不得早于评标开始前{days}个工作日（{source}）；本次评标开始于{start}，请在{earliest}及以后申请。"
                ).format(
                    days=lead.as_int(),
                    source=lead.source,
                    start=clock.local(starts_at).strftime("%Y-%m-%d %H:%M"),
                    earliest=_earliest_request_day(clock.local(starts_at).date(), lead.as_int()).isoformat(),
                )
            }
        )


def _earliest_request_day(evaluation_day: dt.date, lead: int) -> dt.date:
    """The earliest day with at most `lead` working days up to the evaluation day."""
    day = evaluation_day
    while periods.working_days_between(day - dt.timedelta(days=1), evaluation_day) <= lead:
        day -= dt.timedelta(days=1)
    return day


@transaction.atomic
def draw_request_create(
    *,
    actor: User,
    lot: Lot,
    evaluation_starts_at: dt.datetime,
    evaluation_ends_at: dt.datetime,
    place: str,
    region_scope: str,
    lines: list[LineInput],
) -> DrawRequest:
    if not policies.can_request(actor, lot.project):
        raise PermissionDenied(_("只有本项目的招标人（采购人）或代理机构可以申请抽取专家。"))
    now = clock.now()
    _check_request_window(lot, evaluation_starts_at, now)
    if not lines:
        raise ValidationError(_("至少填写一个抽取专业。"))
    codes = [line.specialty_code for line in lines]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("同一专业只能填写一行。"))
    specialties = _specialties(codes)
    seed = secrets.token_bytes(draw.SEED_BYTES)
    request = DrawRequest(
        lot=lot,
        requested_by=actor,
        requested_at=now,
        evaluation_starts_at=evaluation_starts_at,
        evaluation_ends_at=evaluation_ends_at,
        place=place.strip(),
        region_scope=region_scope,
        seed=seed.hex(),
        seed_commitment=draw.seed_commitment(seed),
    )
    request.full_clean()
    request.save()
    for position, (line, specialty) in enumerate(zip(lines, specialties, strict=True)):
        row = DrawLine(
            request=request, position=position, specialty=specialty, count=line.count, reserves=line.reserves
        )
        row.full_clean()
        row.save()
    # The commitment is public from now on: the seed can no longer be chosen to suit anyone.
    event_record(
        action="expert_draw.request",
        actor=actor,
        obj=request,
        after={
            "lot": lot.code,
            "evaluation_starts_at": evaluation_starts_at.isoformat(),
            "region_scope": region_scope,
            "lines": [[line.specialty_code, line.count, line.reserves] for line in lines],
            "seed_commitment": request.seed_commitment,
        },
    )
    return request


@transaction.atomic
def draw_witness_join(*, actor: User, request: DrawRequest, witness_text: str) -> DrawRequest:
    """The witness present in the drawing room signs in and types a random number of their own."""
    if not policies.can_witness(actor, request):
        raise PermissionDenied(_("只有交易中心见证人员或本项目的行政监督人员可以作为抽取现场监督人。"))
    request = lock_instance(request)
    if not request.can_draw():
        raise ValidationError(_("该抽取申请已抽取或已结束。"))
    text = witness_text.strip()
    if not text.isdigit() or not 4 <= len(text) <= 32:
        raise ValidationError({"witness_text": _("请输入4至32位数字（由监督人自行随意输入）。")})
    request.witness, request.witness_text = actor, text
    request.full_clean()
    request.save()
    event_record(action="expert_draw.witness_join", actor=actor, obj=request, after={"witness_text": text})
    return request


def _parties(request: DrawRequest) -> filters.Parties:
    project = request.lot.project
    bidders = tendering_selectors.lot_bidders_known(request.lot_id)
    if bidders is None:
        raise ValidationError(_("投标截止前不能抽取专家：投标人尚未确定，无法执行回避。"))
    organizations = [project.owner, *([project.agent] if project.agent else []), *bidders]
    return filters.Parties(
        organizations=organizations,
        supervisor_uscc=project.supervisor.uscc,
        owner_id=project.owner_id,
        agent_id=project.agent_id,
    )


def _effective(request: DrawRequest) -> bytes:
    return draw.effective_seed(bytes.fromhex(request.seed), request.witness_text)


def _walker(request: DrawRequest, lines: list[DrawLine]) -> draw.Walker:
    """The selection state after every pick already recorded, in pick order."""
    effective = _effective(request)
    walker = draw.Walker(
        [
            draw.ranking(effective, request_id=request.pk, line=line.position, candidates=line.candidates)
            for line in lines
        ]
    )
    for selection in request.selections.order_by("sequence").select_related("line", "expert"):
        picked = walker.next(selection.line.position)
        if picked != selection.expert.number:
            raise RuntimeError(f"draw {request.pk}: recorded picks do not follow the ranking")
    return walker


def _notify(selection: Selection, request: DrawRequest, now: dt.datetime) -> None:
    minutes = rule_for("expert.response_minutes", request.lot.project).as_int()
    selection.state = SelectionState.NOTIFIED
    selection.notified_at = now
    selection.respond_by = now + dt.timedelta(minutes=minutes)
    selection.full_clean()
    selection.save()
    expert = selection.expert
    start = clock.local(request.evaluation_starts_at).strftime("%Y-%m-%d %H:%M")
    # Time and place only: never the project, the owner or the bidders.
    body = _(
        "您被抽取为评标评审专家。评审时间：{start}；地点：{place}。请于{respond_by}前登录平台或回复确认是否参加。"
    ).format(start=start, place=request.place, respond_by=clock.local(selection.respond_by).strftime("%H:%M"))
    notification_send(
        topic=f"experts.selection:{selection.pk}",
        subject=_("评标评审专家抽取通知"),
        body=body,
        recipient=expert.user,
        mobile=expert.mobile,
        email=expert.email,
    )
    job_enqueue(
        name="experts.response_timeout",
        args={"selection_id": selection.pk},
        run_at=selection.respond_by,
        key=f"experts.response_timeout.{selection.pk}",
    )


def _fail(request: DrawRequest, reason: str, now: dt.datetime) -> None:
    """No partial committee: every pick is released and the request fails with its reason."""
    for selection in request.selections.filter(
        state__in=[SelectionState.RESERVE, SelectionState.NOTIFIED, SelectionState.CONFIRMED]
    ).select_related("expert"):
        if selection.state != SelectionState.RESERVE:
            notification_send(
                topic=f"experts.selection_released:{selection.pk}",
                subject=_("评标评审专家抽取取消通知"),
                body=_("您于{start}的评审安排已取消，无需前往。").format(
                    start=clock.local(request.evaluation_starts_at).strftime("%Y-%m-%d %H:%M")
                ),
                recipient=selection.expert.user,
                mobile=selection.expert.mobile,
                email=selection.expert.email,
            )
        selection.state = SelectionState.RELEASED
        selection.save(update_fields=["state"])
    request.status, request.failure_reason = DrawStatus.FAILED, reason
    request.full_clean()
    request.save()


def _pick(request: DrawRequest, line: DrawLine, walker: draw.Walker, state: str, top_up: bool) -> Selection | None:
    number = walker.next(line.position)
    if number is None:
        return None
    sequence = (request.selections.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    selection = Selection(
        request=request,
        line=line,
        sequence=sequence,
        expert=Expert.objects.get(number=number),
        state=state,
        is_top_up=top_up,
    )
    selection.full_clean()
    selection.save()
    return selection


def _counts(request: DrawRequest) -> list[dict[str, Any]]:
    return [
        {
            "line": line.position,
            "specialty": line.specialty.code,
            "confirmed": line.selections.filter(state=SelectionState.CONFIRMED).count(),
            "notified": line.selections.filter(state=SelectionState.NOTIFIED).count(),
            "needed": line.count,
        }
        for line in request.lines.select_related("specialty")
    ]


@transaction.atomic
def draw_run(*, actor: User, request: DrawRequest) -> DrawRequest:
    """The draw in the drawing room: filter, rank by the committed seed, pick, notify."""
    if not policies.can_run(actor):
        raise PermissionDenied(_("只有交易中心抽取室工作人员可以执行抽取。"))
    request = lock_instance(request)
    if not request.can_draw():
        raise ValidationError(_("该抽取申请已抽取或已结束。"))
    if request.witness_id is None:
        raise ValidationError(_("抽取须有监督人在场：请监督人登录并输入随机数后再抽取。"))
    if request.witness_id == actor.pk:
        raise ValidationError(_("抽取操作人与在场监督人不能是同一人。"))
    now = clock.now()
    if now >= request.evaluation_starts_at:
        raise ValidationError(_("评标已开始，不能再抽取。"))
    parties = _parties(request)
    removed = filters.removals(filters.rule_conditions(request, parties))
    lines = list(request.lines.select_related("specialty").order_by("position"))
    report = []
    for line in lines:
        result = filters.line_filter(line.specialty, removed)
        line.candidates = result.candidates
        line.save(update_fields=["candidates"])
        report.append(
            {
                "specialty": line.specialty.code,
                "pool": result.pool,
                "removed": result.removed,
                "candidates": len(result.candidates),
                "needed": line.count,
                "reserves": line.reserves,
            }
        )
    request.filter_report = {"lines": report}
    request.candidates_digest = draw.candidates_digest([line.candidates for line in lines])
    request.drawn_by, request.drawn_at = actor, now
    # The walk decides (lines in order, an expert taken once across lines): a rehearsal on a copy
    # finds a line that would run short, so a failed draw writes no pick at all.
    rehearsal = _walker(request, lines)
    shortfall = []
    for line in lines:
        if any(rehearsal.next(line.position) is None for _n in range(line.count)):
            shortfall.append(line.specialty.name)
        for _n in range(line.reserves):  # reserves are taken before the next line, as below
            rehearsal.next(line.position)
    if shortfall:
        reason = _("符合条件的专家不足，无法组建评标委员会：{names}。可扩大抽取区域后重新申请。").format(
            names="、".join(shortfall)
        )
        request.status, request.failure_reason = DrawStatus.FAILED, reason
        request.full_clean()
        request.save()
        event_record(action="expert_draw.fail", actor=actor, obj=request, after=_draw_facts(request))
        return request
    walker = _walker(request, lines)
    picks: list[Selection] = []
    for line in lines:
        for _n in range(line.count):
            picked = _pick(request, line, walker, SelectionState.NOTIFIED, top_up=False)
            if picked is None:
                raise RuntimeError(f"draw {request.pk}: the walk differs from its rehearsal")
            picks.append(picked)
        for _n in range(line.reserves):
            if _pick(request, line, walker, SelectionState.RESERVE, top_up=False) is None:
                break
    for selection in picks:
        _notify(selection, request, now)
    request.status = DrawStatus.DRAWN
    request.full_clean()
    request.save()
    event_record(action="expert_draw.run", actor=actor, obj=request, after=_draw_facts(request))
    return request


def _draw_facts(request: DrawRequest) -> dict[str, Any]:
    """Published with each draw event: digests and counts, never a name or an expert number."""
    return {
        "status": request.status,
        "seed_commitment": request.seed_commitment,
        "witness_text": request.witness_text,
        "candidates_digest": request.candidates_digest,
        "filter_report": request.filter_report,
        "failure_reason": request.failure_reason,
        "picks": request.selections.count(),
    }


def _replenish(request: DrawRequest, line: DrawLine, now: dt.datetime) -> None:
    """After a decline or a timeout: the line's next reserve, else the next in the ranking."""
    reserve = line.selections.filter(state=SelectionState.RESERVE).order_by("sequence").first()
    if reserve is not None:
        reserve.is_top_up = True
        _notify(reserve, request, now)
        return
    lines = list(request.lines.select_related("specialty").order_by("position"))
    picked = _pick(request, line, _walker(request, lines), SelectionState.NOTIFIED, top_up=True)
    if picked is None:
        _fail(
            request,
            _("“{name}”专业符合条件的专家已全部抽完，无法补足，本次抽取失败，请重新申请。").format(
                name=line.specialty.name
            ),
            now,
        )
        return
    _notify(picked, request, now)


def _complete_if_full(request: DrawRequest, now: dt.datetime) -> None:
    for line in request.lines.all():
        if line.selections.filter(state=SelectionState.CONFIRMED).count() < line.count:
            return
    request.selections.filter(state=SelectionState.RESERVE).update(state=SelectionState.RELEASED)
    request.status, request.completed_at = DrawStatus.COMPLETE, now
    request.full_clean()
    request.save()


@transaction.atomic
def selection_respond(*, actor: User, selection: Selection, accept: bool, reason: str = "") -> Selection:
    selection = lock_instance(selection)
    if selection.expert.user_id != actor.pk:
        raise PermissionDenied(_("只能答复本人的抽取通知。"))
    request = lock_instance(selection.request)
    now = clock.now()
    if selection.state != SelectionState.NOTIFIED or request.status != DrawStatus.DRAWN:
        raise ValidationError(_("该通知已答复、已超时或已取消。"))
    if selection.respond_by is not None and now > selection.respond_by:
        raise ValidationError(_("已超过答复时限。"))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("请说明不能参加的原因。")})
    selection.state = SelectionState.CONFIRMED if accept else SelectionState.DECLINED
    selection.responded_at, selection.decline_reason = now, reason.strip()
    selection.full_clean()
    selection.save()
    if accept:
        _complete_if_full(request, now)
    else:
        _replenish(request, selection.line, now)
    event_record(
        action="expert_draw.respond",
        actor=actor,
        obj=request,
        after={"sequence": selection.sequence, "state": selection.state, "counts": _counts(request)},
    )
    return selection


@transaction.atomic
def selection_timeout(*, selection_id: int) -> Selection:
    """Job at the answer deadline: no answer counts as a decline and triggers a top-up."""
    selection = lock(Selection, pk=selection_id)
    request = lock_instance(selection.request)
    now = clock.now()
    if selection.state != SelectionState.NOTIFIED or request.status != DrawStatus.DRAWN:
        return selection
    if selection.respond_by is not None and now < selection.respond_by:
        return selection
    selection.state, selection.responded_at = SelectionState.TIMED_OUT, now
    selection.save(update_fields=["state", "responded_at"])
    _replenish(request, selection.line, now)
    event_record(
        action="expert_draw.timeout",
        obj=request,
        after={"sequence": selection.sequence, "state": selection.state, "counts": _counts(request)},
    )
    return selection


@transaction.atomic
def draw_cancel(*, actor: User, request: DrawRequest, reason: str) -> DrawRequest:
    if not policies.can_request(actor, request.lot.project):
        raise PermissionDenied(_("只有申请方可以取消抽取申请。"))
    request = lock_instance(request)
    if request.status not in (DrawStatus.REQUESTED, DrawStatus.DRAWN):
        raise ValidationError(_("该抽取申请已结束，不能取消。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明取消原因。")})
    now = clock.now()
    _fail(request, _("申请方取消：{reason}").format(reason=reason.strip()), now)
    request.status = DrawStatus.CANCELLED
    request.save(update_fields=["status"])
    event_record(action="expert_draw.cancel", actor=actor, obj=request, after={"reason": reason.strip()})
    return request


@transaction.atomic
def draws_reveal_for_lot(*, lot: Lot) -> list[DrawRequest]:
    """Reveal the seeds of a lot's completed draws once its result may be public.

    Called by the award (construction) or the result notice (government procurement); from then
    on anyone can replay the draw (`manage.py expert_draw_verify`, the public replay page)."""
    revealed = []
    now = clock.now()
    for request in DrawRequest.objects.select_for_update().filter(lot=lot, status=DrawStatus.COMPLETE):
        if not request.can_reveal():
            continue
        request.seed_revealed_at = now
        request.save(update_fields=["seed_revealed_at"])
        event_record(
            action="expert_draw.reveal",
            obj=request,
            after={"seed": request.seed, "seed_commitment": request.seed_commitment},
        )
        revealed.append(request)
    return revealed


@transaction.atomic
def committee_view(*, actor: User, request: DrawRequest) -> list[Selection]:
    """A member checked in at the evaluation sees the committee; every such access is logged."""
    from . import selectors

    members = selectors.committee_for_member(actor, request)
    if members is None:
        raise PermissionDenied(_("评标委员会名单只向已签到的委员会成员公开，且自评标开始时起。"))
    event_record(action="expert_draw.committee_view", actor=actor, obj=request, after={"members": len(members)})
    return members


def rating_deadline(request: DrawRequest) -> dt.datetime | None:
    """The end of the period for recording performance after the evaluation (rule table)."""
    try:
        rule = rule_for("expert.performance_record_working_days", request.lot.project)
    except RuleMissing:
        return None
    return periods.period_deadline(clock.local(request.evaluation_ends_at).date(), rule)


@transaction.atomic
def rating_record(*, actor: User, selection: Selection, kind: str, score: int, comment: str = "") -> Rating:
    """After the evaluation the requesting side rates each member and each member rates the
    requesting side, within the legal period (198号 art. 21); ratings feed the expert's record."""
    selection = lock_instance(selection)
    request = selection.request
    if kind == RatingKind.OF_EXPERT:
        if not policies.can_request(actor, request.lot.project):
            raise PermissionDenied(_("只有本项目的招标人（采购人）或代理机构可以评价专家。"))
    elif kind == RatingKind.OF_REQUESTER:
        if selection.expert.user_id != actor.pk:
            raise PermissionDenied(_("只能以本人参加的评标评价招标人或代理机构。"))
    else:
        raise ValidationError({"kind": _("评价方向不正确。")})
    if selection.state != SelectionState.CONFIRMED or request.status != DrawStatus.COMPLETE:
        raise ValidationError(_("只能评价实际参加评标的专家。"))
    now = clock.now()
    if now < request.evaluation_ends_at:
        raise ValidationError(_("评标结束后才能评价。"))
    deadline = rating_deadline(request)
    if deadline is not None and now > deadline:
        raise ValidationError(
            _("已超过评价期限（{deadline}）。").format(deadline=clock.local(deadline).strftime("%Y-%m-%d %H:%M"))
        )
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("评分应为1至5分。")})
    if score <= 2 and not comment.strip():
        raise ValidationError({"comment": _("评分为2分及以下的，须写明事实和理由。")})
    if Rating.objects.filter(selection=selection, kind=kind).exists():
        raise ValidationError(_("已评价，不能重复评价。"))
    rating = Rating(selection=selection, kind=kind, score=score, comment=comment.strip(), rated_by=actor, rated_at=now)
    rating.full_clean()
    rating.save()
    event_record(
        action="expert.rated",
        actor=actor,
        obj=request,
        after={"sequence": selection.sequence, "kind": kind, "score": score},
    )
    return rating


@transaction.atomic
def selection_replace(*, selection: Selection, reason: str) -> Selection:
    """A confirmed member is replaced for a statutory reason (实施条例 art. 46, 48): the replacement
    is drawn at random, continuing down the same line's ranking, and notified like any top-up.
    Called by the evaluation when the committee replaces a member; the replaced member's work is void."""
    selection = lock_instance(selection)
    request = lock_instance(selection.request)
    if selection.state != SelectionState.CONFIRMED or request.status != DrawStatus.COMPLETE:
        raise ValidationError(_("只能更换已确认参加的专家。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明更换的法定事由。")})
    now = clock.now()
    selection.state = SelectionState.REPLACED
    selection.decline_reason = reason.strip()
    selection.save(update_fields=["state", "decline_reason"])
    request.status, request.completed_at = DrawStatus.DRAWN, None
    request.save(update_fields=["status", "completed_at"])
    _replenish(request, selection.line, now)
    event_record(
        action="expert_draw.replace",
        obj=request,
        after={"sequence": selection.sequence, "reason": reason.strip(), "counts": _counts(request)},
    )
    return selection
