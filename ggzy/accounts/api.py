"""API endpoints of the accounts app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from . import services
from .api_auth import signed_in
from .models import Organization, User
from .policies import capabilities_of
from .schemas import MeOut, OrganizationOut, RegistrationIn, RegistrationOut, UsccCheckOut, UserOut
from .uscc import normalize, validate_uscc

router = Router(tags=["accounts"])


def _org_out(org: Organization | None) -> OrganizationOut | None:
    if org is None:
        return None
    return OrganizationOut(
        id=org.pk, uscc=org.uscc, name=org.name, kind=org.kind, sector=org.sector, region_code=org.region_code
    )


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        organization=_org_out(user.organization),
        roles=user.role_codes(),
    )


@router.post("/registrations", response={201: RegistrationOut}, auth=None, summary="市场主体自助注册")
def registration_create(request: HttpRequest, payload: RegistrationIn) -> Status[RegistrationOut]:
    registration = services.market_entity_register(**payload.dict())
    org_out = _org_out(registration.organization)
    assert org_out is not None
    return Status(201, RegistrationOut(organization=org_out, user=_user_out(registration.user)))


@router.get("/uscc/{code}", response=UsccCheckOut, auth=None, summary="校验统一社会信用代码")
def uscc_check(request: HttpRequest, code: str) -> UsccCheckOut:
    try:
        validate_uscc(code)
    except ValidationError as exc:
        return UsccCheckOut(code=normalize(code), valid=False, message=exc.messages[0])
    return UsccCheckOut(code=normalize(code), valid=True, message="")


@router.get("/me", response=MeOut, auth=signed_in, summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert isinstance(user, User)
    base = _user_out(user)
    return MeOut(**base.dict(), capabilities=sorted(capabilities_of(user)))
