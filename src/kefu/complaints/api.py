"""REST API of complaint case files: /api/v1/complaints/ with actions and statistics.

The reporter of a tip-off is not a field of any serializer here: only
``POST /complaints/{id}/reporter/`` returns it, to a confidential handler, logged."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.complaints import rules, selectors
from kefu.complaints.models import (
    ComplaintCase,
    ComplaintClass,
    CorrectiveAction,
    Penalty,
    Remedy,
    RemedySignature,
)
from kefu.complaints.permissions import may_configure, may_see_statistics
from kefu.complaints.services import corrective, remedies
from kefu.complaints.services.classification import case_classify
from kefu.complaints.services.closing import close_blockers
from kefu.complaints.services.configuration import approval_chain_set, approval_chain_steps
from kefu.complaints.services.identity import identity_reveal
from kefu.complaints.services.investigation import case_attribute
from kefu.complaints.services.negotiation import case_result_return
from kefu.complaints.services.penalties import penalty_propose
from kefu.complaints.services.validity import case_rule_validity, case_tell_customer
from kefu.core.dates import FIRST_YEAR, LAST_YEAR
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import services as ticket_services
from kefu.tickets.states import Action


class ActionSerializer(serializers.ModelSerializer):
    owner = serializers.StringRelatedField()
    verified_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "kind",
            "description",
            "owner",
            "due_on",
            "status",
            "done_note",
            "done_at",
            "verification",
            "verified_by",
            "verified_at",
            "from_finding",
        ]


class SignatureSerializer(serializers.ModelSerializer):
    signed_by = serializers.StringRelatedField()

    class Meta:
        model = RemedySignature
        fields = ["step_order", "label", "role", "signed_by", "signed_at", "approved", "note"]


class RemedySerializer(serializers.ModelSerializer):
    approved_by = serializers.StringRelatedField(allow_null=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = Remedy
        fields = [
            "id",
            "kind",
            "amount",
            "quantity",
            "description",
            "status",
            "approved_by",
            "approved_at",
            "approval_level",
            "decision_note",
            "actual_quantity",
            "booked_quantity",
            "instruction",
            "signatures",
            "certificate_no",
            "certificate_issued_at",
        ]


class PenaltySerializer(serializers.ModelSerializer):
    person = serializers.StringRelatedField(allow_null=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Penalty
        fields = ["id", "person", "department", "fine", "sanction", "reason", "month", "status"]


class CaseSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)
    title = serializers.CharField(source="ticket.title", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)
    complaint_class = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    responsible_department = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    responsible_person = serializers.StringRelatedField(allow_null=True)
    validity_display = serializers.CharField(source="get_validity_display", read_only=True)
    corrective_actions = ActionSerializer(many=True, read_only=True)
    remedies = RemedySerializer(many=True, read_only=True)
    penalties = PenaltySerializer(many=True, read_only=True)
    close_blockers = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintCase
        fields = [
            "id",
            "register_no",
            "series",
            "month",
            "ticket",
            "title",
            "ticket_status",
            "complaint_class",
            "anomaly",
            "severity",
            "customer_demand",
            "order_no",
            "part_no",
            "delivery_date",
            "quantity",
            "defective_quantity",
            "major_notified_at",
            "validity",
            "validity_display",
            "validity_reason",
            "reply_text",
            "customer_told_at",
            "facts",
            "root_cause",
            "responsibility",
            "fault_cause",
            "responsible_department",
            "responsible_person",
            "external_party",
            "negotiation_result",
            "negotiated_at",
            "corrective_actions",
            "remedies",
            "penalties",
            "close_blockers",
            "created_at",
        ]

    def get_close_blockers(self, case) -> list[str]:
        return close_blockers(case)


class ClassifyInput(serializers.Serializer):
    complaint_class = serializers.SlugRelatedField(
        slug_field="code", queryset=ComplaintClass.objects.filter(is_active=True), allow_null=True
    )
    anomaly = serializers.ChoiceField(choices=[("", "—"), *rules.Anomaly.choices], required=False)
    severity = serializers.ChoiceField(choices=rules.Severity.choices)
    customer_demand = serializers.CharField(required=False, allow_blank=True)
    order_no = serializers.CharField(required=False, allow_blank=True, max_length=40)
    part_no = serializers.CharField(required=False, allow_blank=True, max_length=40)
    delivery_date = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.DecimalField(12, 2, required=False, allow_null=True, min_value=0)
    defective_quantity = serializers.DecimalField(
        12, 2, required=False, allow_null=True, min_value=0
    )


class ValidityInput(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField()


class TellInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=rules.TellChannel.choices)
    text = serializers.CharField()


class AttributeInput(serializers.Serializer):
    facts = serializers.CharField()
    root_cause = serializers.CharField(required=False, allow_blank=True)
    responsibility = serializers.ChoiceField(choices=rules.Responsibility.choices)
    responsible_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.active(), required=False, allow_null=True
    )
    responsible_person = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.active(), required=False, allow_null=True
    )
    external_party = serializers.CharField(required=False, allow_blank=True, max_length=100)
    fault_cause = serializers.ChoiceField(
        choices=[("", "—"), *rules.FaultCause.choices],
        required=False,
        help_text="At fault: human negligence (negligence) opens no improvement tracking; "
        "any other cause opens one (CMP-11).",
    )


class NegotiatedResultInput(serializers.Serializer):
    result = serializers.CharField(help_text="The result negotiated with the customer.")


class ActionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=rules.ActionKind.choices)
    description = serializers.CharField()
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.active())
    due_on = serializers.DateField()


class NoteInput(serializers.Serializer):
    note = serializers.CharField()


class VerifyInput(serializers.Serializer):
    accepted = serializers.BooleanField()
    verification = serializers.CharField()


class RemedyInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=rules.RemedyKind.choices)
    amount = serializers.DecimalField(12, 2, required=False, allow_null=True)
    quantity = serializers.DecimalField(12, 2, required=False, allow_null=True)
    description = serializers.CharField()


class DecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class ReceiveInput(serializers.Serializer):
    actual_quantity = serializers.DecimalField(12, 2)


class InstructInput(serializers.Serializer):
    instruction = serializers.CharField()


class PenaltyInput(serializers.Serializer):
    person = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.active(), required=False, allow_null=True
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.active(), required=False, allow_null=True
    )
    fine = serializers.DecimalField(12, 2, required=False, allow_null=True)
    sanction = serializers.ChoiceField(choices=rules.Sanction.choices, required=False)
    reason = serializers.CharField()


class ResolveInput(serializers.Serializer):
    resolution = serializers.CharField()


class RevealInput(serializers.Serializer):
    purpose = serializers.CharField(max_length=200)


ReporterOutput = inline_serializer(
    "ReporterIdentity",
    {
        "anonymous": serializers.BooleanField(),
        "contact_name": serializers.CharField(required=False),
        "contact_phone": serializers.CharField(required=False),
        "calling_number": serializers.CharField(required=False),
        "call_recording_ref": serializers.CharField(required=False),
        "address": serializers.CharField(required=False),
        "extra": serializers.DictField(
            child=serializers.CharField(), required=False, help_text="label: value"
        ),
        "contacts": serializers.ListField(child=serializers.CharField(), required=False),
        "attachments": serializers.ListField(
            child=inline_serializer(
                "SealedAttachmentName",
                {"name": serializers.CharField(), "original": serializers.CharField()},
            ),
            required=False,
        ),
        "customer_name": serializers.CharField(required=False),
        "note": serializers.CharField(required=False),
    },
)

StatisticsOutput = inline_serializer(
    "ComplaintStatistics",
    {
        "month": serializers.CharField(),
        "review_due": serializers.DateField(),
        "registered": serializers.IntegerField(),
        "closed": serializers.IntegerField(),
        "closed_on_time": serializers.IntegerField(),
        "on_time_rate": serializers.FloatField(allow_null=True),
        "valid": serializers.IntegerField(),
        "invalid": serializers.IntegerField(),
        "compensation_total": serializers.FloatField(),
        "allowance_total": serializers.FloatField(),
        "penalty_count": serializers.IntegerField(),
        "fine_total": serializers.FloatField(),
        "by_class": serializers.ListField(child=serializers.ListField()),
        "by_department": serializers.ListField(child=serializers.ListField()),
        "by_validity": serializers.ListField(child=serializers.ListField()),
        "by_responsibility": serializers.ListField(child=serializers.ListField()),
        "cases": serializers.ListField(child=serializers.CharField()),
        "trend": serializers.ListField(child=serializers.DictField()),
    },
)


def _month(value: str) -> date:
    try:
        return rules.parse_month(value)
    except ValueError:
        raise exceptions.ValidationError(
            {
                "month": _(
                    "Give the month as YYYY-MM, e.g. 2025-03, between %(first)s and %(last)s."
                )
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            },
            code="invalid",
        ) from None


@extend_schema(
    parameters=[
        OpenApiParameter("series", OpenApiTypes.STR, enum=rules.Series.values),
        OpenApiParameter("validity", OpenApiTypes.STR, enum=rules.Validity.values),
        OpenApiParameter("state", OpenApiTypes.STR, enum=["open", "closed"]),
        OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
    ]
)
class ComplaintCaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Complaint and tip-off case files in the caller's data scope (投诉案件)."""

    serializer_class = CaseSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        params = self.request.query_params
        month = _month(params["month"]) if params.get("month") else None
        filters = selectors.CaseFilter(
            series=params.get("series", "") if params.get("series") in rules.Series.values else "",
            validity=params.get("validity", "")
            if params.get("validity") in rules.Validity.values
            else "",
            state=params.get("state", "") if params.get("state") in ("open", "closed") else "",
            month=month,
        )
        return selectors.case_list(self.request.user, filters).prefetch_related(
            "corrective_actions__owner",
            "corrective_actions__verified_by",
            "remedies__approved_by",
            "remedies__signatures__signed_by",
            "penalties__person",
            "penalties__department",
        )

    def _case(self) -> ComplaintCase:
        return get_object_or_404(selectors.cases_visible(self.request.user), pk=self.kwargs["pk"])

    def _run(self, input_class, call, *, status=200):
        data = input_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        case = self._case()
        call(case, dict(data.validated_data))
        fresh = selectors.case_for_user(self.request.user, case.pk)
        return Response(CaseSerializer(fresh).data, status=status)

    @extend_schema(request=ClassifyInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        return self._run(ClassifyInput, lambda c, d: case_classify(case=c, actor=request.user, **d))

    @extend_schema(request=ValidityInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def validity(self, request, pk=None):
        return self._run(
            ValidityInput,
            lambda c, d: case_rule_validity(case=c, actor=request.user, **d),
        )

    @extend_schema(request=TellInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="tell-customer")
    def tell_customer(self, request, pk=None):
        return self._run(
            TellInput, lambda c, d: case_tell_customer(case=c, actor=request.user, **d)
        )

    @extend_schema(request=AttributeInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def attribution(self, request, pk=None):
        return self._run(
            AttributeInput, lambda c, d: case_attribute(case=c, actor=request.user, **d)
        )

    @extend_schema(request=NegotiatedResultInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="negotiated-result")
    def negotiated_result(self, request, pk=None):
        """The result negotiated with the customer, returned to the office (CMP-10)."""
        return self._run(
            NegotiatedResultInput, lambda c, d: case_result_return(case=c, actor=request.user, **d)
        )

    @extend_schema(request=ActionInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="capa")
    def capa(self, request, pk=None):
        return self._run(
            ActionInput,
            lambda c, d: corrective.action_add(case=c, actor=request.user, **d),
            status=201,
        )

    def _item(self, case, model, item_pk):
        return get_object_or_404(model, pk=item_pk, case=case)

    @extend_schema(request=NoteInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"capa/(?P<item>\d+)/done")
    def capa_done(self, request, pk=None, item=None):
        return self._run(
            NoteInput,
            lambda c, d: corrective.action_complete(
                action=self._item(c, CorrectiveAction, item), actor=request.user, **d
            ),
        )

    @extend_schema(request=VerifyInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"capa/(?P<item>\d+)/verify")
    def capa_verify(self, request, pk=None, item=None):
        return self._run(
            VerifyInput,
            lambda c, d: corrective.action_verify(
                action=self._item(c, CorrectiveAction, item), actor=request.user, **d
            ),
        )

    @extend_schema(request=RemedyInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def remedies(self, request, pk=None):
        return self._run(
            RemedyInput,
            lambda c, d: remedies.remedy_request(case=c, actor=request.user, **d),
            status=201,
        )

    @extend_schema(request=DecideInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"remedies/(?P<item>\d+)/decide")
    def remedy_decide(self, request, pk=None, item=None):
        return self._run(
            DecideInput,
            lambda c, d: remedies.remedy_decide(
                remedy=self._item(c, Remedy, item), actor=request.user, **d
            ),
        )

    @extend_schema(request=ReceiveInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"remedies/(?P<item>\d+)/receive")
    def remedy_receive(self, request, pk=None, item=None):
        return self._run(
            ReceiveInput,
            lambda c, d: remedies.remedy_receive(
                remedy=self._item(c, Remedy, item), actor=request.user, **d
            ),
        )

    @extend_schema(request=InstructInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"remedies/(?P<item>\d+)/instruct")
    def remedy_instruct(self, request, pk=None, item=None):
        return self._run(
            InstructInput,
            lambda c, d: remedies.remedy_instruct(
                remedy=self._item(c, Remedy, item), actor=request.user, **d
            ),
        )

    @extend_schema(request=PenaltyInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def penalties(self, request, pk=None):
        return self._run(
            PenaltyInput,
            lambda c, d: penalty_propose(case=c, actor=request.user, **d),
            status=201,
        )

    @extend_schema(request=ResolveInput, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._run(
            ResolveInput,
            lambda c, d: ticket_services.ticket_transition(
                ticket=c.ticket, action=Action.RESOLVE, actor=request.user, **d
            ),
        )

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        class Empty(serializers.Serializer):
            pass

        return self._run(
            Empty,
            lambda c, d: ticket_services.ticket_transition(
                ticket=c.ticket, action=Action.CLOSE, actor=request.user
            ),
        )

    @extend_schema(request=RevealInput, responses=ReporterOutput)
    @action(detail=True, methods=["post"])
    def reporter(self, request, pk=None):
        """The reporter of a tip-off: confidential handlers only, each call logged."""
        case = self._case()
        data = RevealInput(data=request.data)
        if not data.is_valid():
            # a refusal is logged before the input is even looked at
            identity_reveal(
                case=case,
                actor=request.user,
                purpose="",
                channel="api",
                address=request.META.get("REMOTE_ADDR"),
            )
        identity = identity_reveal(
            case=case,
            actor=request.user,
            purpose=data.validated_data["purpose"],
            channel="api",
            address=request.META.get("REMOTE_ADDR"),
        )
        identity.pop("customer_id", None)
        return Response(identity)

    @extend_schema(
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM")],
        responses=StatisticsOutput,
    )
    @action(detail=False, methods=["get"])
    def statistics(self, request):
        """《客户投诉案件统计表》 of a month (default: this month)."""
        if not may_see_statistics(request.user):
            raise exceptions.PermissionDenied()
        raw = request.query_params.get("month")
        month = _month(raw) if raw else rules.month_of(timezone.localdate())
        stats = selectors.complaint_statistics(request.user, month)
        return Response(
            {
                "month": f"{stats.month:%Y-%m}",
                "review_due": stats.review_due,
                "registered": stats.registered,
                "closed": stats.closed,
                "closed_on_time": stats.closed_on_time,
                "on_time_rate": stats.on_time_rate,
                "valid": stats.valid,
                "invalid": stats.invalid,
                "compensation_total": stats.compensation_total,
                "allowance_total": stats.allowance_total,
                "penalty_count": stats.penalty_count,
                "fine_total": stats.fine_total,
                "by_class": stats.by_class,
                "by_department": stats.by_department,
                "by_validity": stats.by_validity,
                "by_responsibility": stats.by_responsibility,
                "cases": [c.register_no for c in stats.cases],
                "trend": [{**row, "month": f"{row['month']:%Y-%m}"} for row in stats.trend],
            }
        )


class ChainStepSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=99)
    role = serializers.ChoiceField(choices=RoleCode.choices)
    label = serializers.CharField(max_length=30)
    min_amount = serializers.DecimalField(
        12, 2, required=False, allow_null=True, min_value=0, help_text="Empty: from any amount."
    )
    max_amount = serializers.DecimalField(
        12, 2, required=False, allow_null=True, min_value=0, help_text="Empty: no upper limit."
    )


class ApprovalChainView(APIView):
    """The approval chain of the sales-allowance certificate (CMP-21): levels by amount
    range, each a role, signed in order; the certificate is issued once all have signed.
    Everyone reads it; those who configure complaints replace it with `PUT`."""

    @extend_schema(responses=ChainStepSerializer(many=True))
    def get(self, request):
        return Response(ChainStepSerializer(approval_chain_steps(), many=True).data)

    @extend_schema(request=ChainStepSerializer(many=True), responses=ChainStepSerializer(many=True))
    def put(self, request):
        if not may_configure(request.user):
            raise exceptions.PermissionDenied
        body = ChainStepSerializer(data=request.data, many=True)
        body.is_valid(raise_exception=True)
        steps = approval_chain_set(
            steps=[
                rules.ChainStep(
                    order=row["order"],
                    role=row["role"],
                    label=row["label"].strip(),
                    min_amount=row.get("min_amount"),
                    max_amount=row.get("max_amount"),
                )
                for row in body.validated_data
            ]
        )
        return Response(ChainStepSerializer(steps, many=True).data)
