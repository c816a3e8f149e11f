from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kefu.core.tree import subtree_q
from kefu.org.roles import DataScope, RoleCode

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$",
    _("Enter a mobile number (11 digits starting with 1) or a landline like 028-12345678."),
)
employee_no_validator = RegexValidator(
    r"^[A-Za-z0-9-]{2,20}$",
    _("An employee number has 2–20 letters, digits or hyphens."),
)


class DepartmentKind(models.TextChoices):
    COMPANY = "company", _("Company")
    CENTRE = "centre", _("Centre / branch")
    FRONT_OFFICE = "front_office", _("Customer service centre")
    HANDLING = "handling", _("Handling department")
    QUALITY = "quality", _("Quality department")
    OFFICE = "office", _("Office")
    MARKETING = "marketing", _("Marketing department")
    TEAM = "team", _("Team")
    OTHER = "other", _("Other")


class DepartmentQuerySet(models.QuerySet):
    def active(self) -> DepartmentQuerySet:
        return self.filter(is_active=True)

    def subtree_of(self, department: Department) -> DepartmentQuerySet:
        return self.filter(subtree_q("", department))


class Department(models.Model):
    """A unit of the organisation tree (company → centre/branch → department → team).

    ``path`` is the materialised path of primary keys (``/1/4/9/``), so a whole subtree is
    one indexed prefix query. Only ``org.services`` writes it.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        allow_unicode=False,
        help_text=_("Short unique code, letters, digits, hyphens and underscores."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="org_department_unique_name_in_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestors(self) -> list[Department]:
        ids = self.ancestor_ids()[:-1]
        by_id = Department.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def full_name(self) -> str:
        return " / ".join([*(d.name for d in self.ancestors()), self.name])


class Role(models.Model):
    """A role staff can hold; its data scope is editable by administrators."""

    code = models.CharField(_("code"), max_length=30, unique=True, choices=RoleCode.choices)
    data_scope = models.CharField(
        _("data scope"), max_length=10, choices=DataScope.choices, default=DataScope.SUBTREE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def name(self) -> str:
        return str(self.get_code_display())


class StaffManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("department")

    def active(self):
        return self.get_queryset().filter(is_active=True)


class User(AbstractUser):
    """A staff member: a login with 工号, department, phone and roles."""

    full_name = models.CharField(_("full name"), max_length=50)
    employee_no = models.CharField(
        _("employee number"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[employee_no_validator],
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="staff")
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[roles])

    objects = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no", "id"]

    def __str__(self) -> str:
        if self.employee_no:
            return f"{self.display_name}（{self.employee_no}）"
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> frozenset[str]:
        """The codes of this user's roles, read once per object."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            if "roles" in getattr(self, "_prefetched_objects_cache", {}):
                cached = frozenset(r.code for r in self.roles.all())
            else:
                cached = frozenset(self.roles.values_list("code", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))
