"""API schemas of the accounts app."""

from __future__ import annotations

from ninja import Schema


class RegistrationIn(Schema):
    uscc: str
    name: str
    region_code: str
    address: str = ""
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    username: str
    password: str
    full_name: str
    phone: str = ""
    email: str = ""
    roles: list[str]


class OrganizationOut(Schema):
    id: int
    uscc: str
    name: str
    kind: str
    sector: str
    region_code: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    organization: OrganizationOut | None
    roles: list[str]


class RegistrationOut(Schema):
    organization: OrganizationOut
    user: UserOut


class MeOut(UserOut):
    capabilities: list[str]


class UsccCheckOut(Schema):
    code: str
    valid: bool
    message: str
