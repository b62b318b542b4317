"""Forms of the accounts app: they check shape; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MARKET_ROLES, Role

MARKET_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in MARKET_ROLES]


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=256)


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=8,
        help_text=_("打开身份验证器应用，输入当前显示的6位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RegistrationForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=32)
    name = forms.CharField(label=_("单位名称"), max_length=200)
    region_code = forms.CharField(
        label=_("所在地行政区划代码"),
        max_length=6,
        help_text=_("6位数字（GB/T 2260），全国各地的主体均可注册，例如 654002（伊宁市）、110105（北京市朝阳区）。"),
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    roles = forms.MultipleChoiceField(
        label=_("参与身份"),
        choices=MARKET_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("注册免费，无需设立本地分支机构、无需资质验证、无需法定代表人到场。"),
    )
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=100)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=256)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    action = forms.ChoiceField(choices=[("grant", _("授予")), ("revoke", _("撤销"))])
