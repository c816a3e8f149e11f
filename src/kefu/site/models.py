"""What the composition root stores itself: the record of each industry switch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PresetApplication(models.Model):
    """An industry preset applied (行业预置): by whom, for which company, and what changed."""

    industry = models.CharField(_("industry"), max_length=20)
    company = models.ForeignKey(
        "org.Department",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole installation."),
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"))
    # [{"part", "setting", "before", "after"}, …] as shown to the person who applied it
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        verbose_name = _("industry preset applied")
        verbose_name_plural = _("industry presets applied")
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.industry_label} {self.applied_at:%Y-%m-%d %H:%M}"

    @property
    def industry_label(self) -> str:
        from kefu.site.industries import INDUSTRIES

        industry = INDUSTRIES.get(self.industry)
        return str(industry.label) if industry else self.industry
