"""``/api/v1/presets/``: the industries, and applying one (administrators)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.org.models import Department
from kefu.org.permissions import can_manage_org
from kefu.site import presets
from kefu.site.industries import INDUSTRIES, INDUSTRY_CHOICES


class IsAdministrator(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_manage_org(request.user)


class IndustrySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    customer_preset = serializers.CharField()
    sla_preset = serializers.CharField()
    complaint_industry = serializers.CharField()
    plan_rules = serializers.ListField(child=serializers.CharField())


class PresetsSerializer(serializers.Serializer):
    installation_industry = serializers.CharField(help_text="last applied; empty: never")
    companies = serializers.DictField(
        child=serializers.CharField(), help_text="company code → its industry"
    )
    industries = IndustrySerializer(many=True)


class ApplySerializer(serializers.Serializer):
    industry = serializers.ChoiceField(choices=INDUSTRY_CHOICES)
    company = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.active(),
        required=False,
        allow_null=True,
        help_text="code of a company or centre / branch; empty: the whole installation",
    )
    dry_run = serializers.BooleanField(default=False, help_text="only show what would change")


class ChangeSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=list(presets.PARTS))
    setting = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    industry = serializers.CharField()
    company = serializers.CharField(allow_null=True)
    dry_run = serializers.BooleanField()
    changes = ChangeSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class PresetsView(APIView):
    """The industries and what each sets; which one was applied, to the installation and to
    each company."""

    permission_classes = [permissions.IsAuthenticated, IsAdministrator]

    @extend_schema(operation_id="presets_list", responses={200: PresetsSerializer})
    def get(self, request):
        return Response(
            {
                "installation_industry": presets.installation_industry(),
                "companies": {c.code: i for c, i in presets.company_industries().items()},
                "industries": [
                    {
                        "code": code,
                        "label": str(industry.label),
                        "customer_preset": industry.customer_preset,
                        "sla_preset": industry.sla_preset,
                        "complaint_industry": industry.complaint_industry,
                        "plan_rules": sorted(industry.plan_rules),
                    }
                    for code, industry in INDUSTRIES.items()
                ],
            }
        )


class PresetApplyView(APIView):
    """Apply an industry (``dry_run``: only preview) and get every setting that changed."""

    permission_classes = [permissions.IsAuthenticated, IsAdministrator]

    @extend_schema(
        operation_id="presets_apply", request=ApplySerializer, responses={200: ReportSerializer}
    )
    def post(self, request):
        given = ApplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        report = presets.preset_apply(actor=request.user, **given.validated_data)
        return Response(
            {
                "industry": report.industry,
                "company": report.company.code if report.company else None,
                "dry_run": report.dry_run,
                "changes": [c.as_dict() for c in report.changes],
                "notes": report.notes,
            }
        )
