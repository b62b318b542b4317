from typing import Any

import pyotp
from django.core.management.base import BaseCommand

from ggzy.accounts.models import User
from ggzy.accounts.services import mfa_required
from ggzy.core import demo


class Command(BaseCommand):
    help = "Print the demo accounts, their password, and for privileged roles the TOTP secret and current code."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"演示账户 / demo accounts (password: {demo.DEMO_PASSWORD})")
        for spec in demo.USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                continue
            roles = ",".join(user.role_codes())
            line = f"  {spec.username:<10} {roles:<16} {user.organization or ''}"
            if mfa_required(user):
                secret = demo.demo_totp_secret(user.username)
                line += f"  TOTP {secret} (now {pyotp.TOTP(secret).now()})"
            self.stdout.write(line)
