"""REST API for return visits, questionnaires and answers, planned visits and figures."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kefu.core.dates import in_span, out_of_span_message
from kefu.customers.selectors import customers_findable
from kefu.followups import rules, selectors
from kefu.followups.models import (
    DissatisfactionReason,
    PlannedVisit,
    Question,
    Questionnaire,
    ReturnVisit,
    SurveyLink,
    SurveyResponse,
    VisitAttempt,
    VisitChannel,
)
from kefu.followups.permissions import may_configure, may_supervise, may_survey_by_phone
from kefu.followups.rules import AttemptOutcome, Satisfaction
from kefu.followups.services.campaigns import campaign_answer_by_phone, campaign_questionnaires
from kefu.followups.services.plans import new_year_audience_set
from kefu.followups.services.reopening import return_visit_close_dissatisfied
from kefu.followups.services.results import return_visit_attempt, return_visit_record
from kefu.followups.services.survey_links import survey_link_open, survey_link_send
from kefu.followups.services.surveys import survey_answer


class AttemptSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = VisitAttempt
        fields = ["id", "outcome", "channel", "note", "actor", "created_at"]


class ReturnVisitSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assignee = serializers.StringRelatedField(allow_null=True)
    handler = serializers.StringRelatedField(allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reasons = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "ticket",
            "kind",
            "round",
            "status",
            "status_display",
            "due_at",
            "provisional",
            "overdue",
            "assignee",
            "category",
            "department",
            "handler",
            "attempts_count",
            "next_attempt_at",
            "channel",
            "reached",
            "resolved",
            "satisfaction",
            "verdict",
            "customer_words",
            "reasons",
            "escalated_to",
            "justification",
            "completed_at",
        ]

    def get_overdue(self, visit) -> bool:
        return visit.is_overdue(timezone.now())


class AttemptInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in AttemptOutcome if c != AttemptOutcome.REACHED]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ResultInput(serializers.Serializer):
    reached = serializers.BooleanField(allow_null=True, required=False, default=None)
    resolved = serializers.BooleanField(allow_null=True, required=False, default=None)
    satisfaction = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="1–5: " + ", ".join(f"{v} {label}" for v, label in Satisfaction.choices),
    )
    customer_words = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=DissatisfactionReason.objects.filter(is_active=True),
    )


class CloseInput(serializers.Serializer):
    justification = serializers.CharField()


class LinkInput(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=[VisitChannel.SMS_LINK.value, VisitChannel.EMAIL_LINK.value],
        default=VisitChannel.SMS_LINK.value,
    )
    email = serializers.CharField(required=False, allow_blank=True, default="")


class LinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyLink
        fields = ["id", "channel", "phone", "email", "expires_at", "created_at"]


class ReturnVisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Return visits in the caller's scope. `?queue=mine|team|overdue|done|all` (default
    `team`: every visit still to make). Record a failed call with `attempts/`, the
    customer's answer with `result/`, a head's justified close with `close/`, send the
    survey link with `survey-link/` (`{"channel": "sms_link"|"email_link", "email"}`)."""

    serializer_class = ReturnVisitSerializer

    def get_queryset(self):
        name = self.request.query_params.get("queue", "team")
        if name not in selectors.QUEUES:
            raise exceptions.ValidationError({"queue": _("Unknown list.")}, code="invalid_choice")
        return (
            selectors.visit_queue(self.request.user, name, now=timezone.now())
            .prefetch_related("reasons")
            .order_by("id")
        )

    def _visit(self):
        return self.get_object()

    @extend_schema(request=AttemptInput, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def attempts(self, request, pk=None):
        data = AttemptInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = return_visit_attempt(visit=self._visit(), actor=request.user, **data.validated_data)
        return Response(ReturnVisitSerializer(visit).data)

    @extend_schema(request=ResultInput, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        data = ResultInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = return_visit_record(
            visit=self._visit(),
            actor=request.user,
            reached=data.validated_data["reached"],
            resolved=data.validated_data["resolved"],
            satisfaction=data.validated_data["satisfaction"],
            customer_words=data.validated_data["customer_words"],
            reasons=data.validated_data.get("reasons", []),
        )
        return Response(ReturnVisitSerializer(visit).data)

    @extend_schema(request=CloseInput, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = return_visit_close_dissatisfied(
            visit=self._visit(), actor=request.user, **data.validated_data
        )
        return Response(ReturnVisitSerializer(visit).data)

    @extend_schema(request=LinkInput, responses={201: LinkSerializer})
    @action(detail=True, methods=["post"], url_path="survey-link")
    def survey_link(self, request, pk=None):
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        link = survey_link_send(
            visit=self._visit(),
            actor=request.user,
            base_url=request.build_absolute_uri("/"),
            **data.validated_data,
        )
        return Response(LinkSerializer(link).data, status=201)

    @extend_schema(responses=AttemptSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="attempt-log")
    def attempt_log(self, request, pk=None):
        return Response(AttemptSerializer(self._visit().attempts.all(), many=True).data)


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "choices", "required", "feeds"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "code",
            "title",
            "intro",
            "campaign",
            "is_default",
            "is_active",
            "questions",
        ]


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires (built by administrators on the questionnaire page)."""

    serializer_class = QuestionnaireSerializer
    queryset = Questionnaire.objects.prefetch_related("questions").order_by("id")


class SurveyResponseSerializer(serializers.ModelSerializer):
    questionnaire = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "questionnaire",
            "ticket",
            "customer",
            "contact",
            "channel",
            "answers",
            "satisfaction",
            "nps",
            "submitted_at",
        ]

    def get_ticket(self, response) -> str | None:
        return response.visit.ticket.number if response.visit_id else None


class PhoneAnswerInput(serializers.Serializer):
    questionnaire = serializers.SlugField(help_text="The campaign questionnaire's code.")
    customer = serializers.CharField(help_text="The customer number (客户编号).")
    contact = serializers.IntegerField(required=False, allow_null=True, default=None)
    answers = serializers.DictField(help_text='{"q<question id>": value}')


class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    """Answers to questionnaires: those of return visits in the caller's scope (campaign
    answers without a visit for supervisors, one's own for the others). `POST` records a
    campaign questionnaire filled in on the phone with a customer (channel phone)."""

    serializer_class = SurveyResponseSerializer

    @extend_schema(request=PhoneAnswerInput, responses={201: SurveyResponseSerializer})
    def create(self, request):
        data = PhoneAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if not may_survey_by_phone(request.user):
            raise exceptions.PermissionDenied
        questionnaire = campaign_questionnaires().filter(code=d["questionnaire"]).first()
        if questionnaire is None:
            raise exceptions.ValidationError(
                {"questionnaire": [_("Questionnaire: choose an active campaign questionnaire.")]},
                code="not_campaign_questionnaire",
            )
        customer = customers_findable(request.user).filter(code=d["customer"]).first()
        if customer is None:
            raise exceptions.ValidationError(
                {"customer": [_("Customer: no customer with this number in your scope.")]},
                code="unknown_customer",
            )
        contact = None
        if d["contact"] is not None:
            contact = customer.contacts.filter(pk=d["contact"]).first()
            if contact is None:
                raise exceptions.ValidationError(
                    {"contact": [_("Contact: choose one of this customer's contacts.")]},
                    code="other_customers_contact",
                )
        response = campaign_answer_by_phone(
            questionnaire=questionnaire,
            customer=customer,
            contact=contact,
            answers=d["answers"],
            actor=request.user,
        )
        return Response(SurveyResponseSerializer(response).data, status=201)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema reads the model only
            return SurveyResponse.objects.none()
        user = self.request.user
        visible = selectors.visits_visible(user).values("pk")
        qs = SurveyResponse.objects.select_related("questionnaire", "visit__ticket", "customer")
        if may_supervise(user) or may_configure(user):
            return qs.filter(visit__in=visible) | qs.filter(visit__isnull=True)
        return qs.filter(visit__in=visible) | qs.filter(visit__isnull=True, submitted_by=user)


class PlannedVisitSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.StringRelatedField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlannedVisit
        fields = [
            "id",
            "customer",
            "plan",
            "rule",
            "title",
            "due_on",
            "assignee",
            "status",
            "overdue",
            "satisfaction",
            "note",
            "done_at",
        ]

    def get_overdue(self, visit) -> bool:
        return visit.is_overdue(timezone.localdate())


class PlannedVisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Planned visits (回访档案) in the caller's scope; `?list=mine|overdue|upcoming|done`."""

    serializer_class = PlannedVisitSerializer

    def get_queryset(self):
        name = self.request.query_params.get("list", "upcoming")
        try:
            qs = selectors.planned_list(self.request.user, name, today=timezone.localdate())
        except ValueError:
            raise exceptions.ValidationError(
                {"list": _("Unknown list.")}, code="invalid_choice"
            ) from None
        return qs.order_by("id")


class FiguresView(APIView):
    """Satisfaction figures per group (supervisors): 满意率 = satisfied ÷ reached."""

    @extend_schema(
        parameters=[
            OpenApiParameter("group", OpenApiTypes.STR, enum=list(selectors.GROUPS)),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses=inline_serializer(
            "SatisfactionFigure",
            {
                "key": serializers.CharField(),
                "visits": serializers.IntegerField(),
                "reached": serializers.IntegerField(),
                "satisfied": serializers.IntegerField(),
                "satisfaction_rate": serializers.FloatField(allow_null=True),
                "respondent_rate": serializers.FloatField(allow_null=True),
                "unreachable_rate": serializers.FloatField(allow_null=True),
                "rehandle_rate": serializers.FloatField(allow_null=True),
                "nps": serializers.FloatField(allow_null=True),
                "closed_dissatisfied": serializers.IntegerField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        if not may_supervise(request.user):
            raise exceptions.PermissionDenied()
        group = request.query_params.get("group", "department")
        if group not in selectors.GROUPS:
            raise exceptions.ValidationError(
                {
                    "group": _("Group by one of: %(groups)s")
                    % {"groups": ", ".join(selectors.GROUPS)}
                },
                code="invalid_choice",
            )
        bounds = {}
        for name in ("start", "end"):
            raw = request.query_params.get(name)
            if raw:
                try:
                    bounds[name] = date.fromisoformat(raw)
                except ValueError:
                    raise exceptions.ValidationError(
                        {name: _("Give the date as YYYY-MM-DD.")}, code="invalid"
                    ) from None
                if not in_span(bounds[name]):
                    raise exceptions.ValidationError(
                        {name: out_of_span_message()}, code="date_out_of_span"
                    )
        rows = selectors.satisfaction_figures(request.user, group=group, **bounds)
        return Response(
            [
                {
                    "key": r.key,
                    "visits": r.visits,
                    "reached": r.reached,
                    "satisfied": r.satisfied,
                    "satisfaction_rate": r.satisfaction_rate,
                    "respondent_rate": r.respondent_rate,
                    "unreachable_rate": r.unreachable_rate,
                    "rehandle_rate": r.rehandle_rate,
                    "nps": r.nps,
                    "closed_dissatisfied": r.closed_dissatisfied,
                }
                for r in rows
            ]
        )


class SurveyThrottle(AnonRateThrottle):
    rate = "30/hour"


class PublicSurveyView(APIView):
    """The customer's survey behind a signed link: `GET` the questions, `POST` the answers
    (`{"answers": {"q<question id>": value}}`). Only the token is accepted; it works once
    and expires."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SurveyThrottle]

    @extend_schema(responses=QuestionnaireSerializer)
    def get(self, request, token):
        link = survey_link_open(token)
        data = QuestionnaireSerializer(link.questionnaire).data
        data.pop("campaign", None)
        return Response(data)

    @extend_schema(
        request=inline_serializer("SurveyAnswers", {"answers": serializers.DictField()}),
        responses=inline_serializer("SurveyAnswered", {"ok": serializers.BooleanField()}),
    )
    def post(self, request, token):
        answers = request.data.get("answers") if isinstance(request.data, dict) else None
        if not isinstance(answers, dict):
            raise exceptions.ValidationError(
                {"answers": _("Send the answers as an object.")}, code="invalid"
            )
        survey_answer(token=token, answers=answers)
        return Response({"ok": True}, status=201)


class NewYearAudienceSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    grades = serializers.ListField(
        child=serializers.CharField(max_length=10),
        default=list,
        help_text="Customer grades; empty: every grade, ungraded customers too.",
    )
    new_customers = serializers.BooleanField(
        help_text="Customers whose cooperation started in the campaign's year."
    )
    existing_customers = serializers.BooleanField()
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30),
        default=list,
        help_text="Only customers with one of these tags; empty: whatever the tags.",
    )
    reach = serializers.IntegerField(
        read_only=True, help_text="Active customers the audience reaches this year."
    )


def _audience_body(rule) -> dict:
    audience = rules.new_year_audience(rule.params if isinstance(rule.params, dict) else {})
    return {
        "code": rule.code,
        "name": rule.name,
        **audience.params(),
        "reach": selectors.new_year_audience_count(rule, audience),
    }


class NewYearCampaignListView(APIView):
    """The December New Year greeting and needs survey (RV-11, NTF-05): whom each New Year
    rule reaches."""

    @extend_schema(responses=NewYearAudienceSerializer(many=True))
    def get(self, request):
        return Response([_audience_body(rule) for rule in selectors.new_year_rules()])


class NewYearCampaignView(APIView):
    """One New Year rule's audience. `PUT` (administrators) sets it: grades (none: every
    grade), new and/or existing customers, tags (none: any)."""

    def _rule(self, code: str):
        rule = selectors.new_year_rules().filter(code=code).first()
        if rule is None:
            raise exceptions.NotFound
        return rule

    @extend_schema(responses=NewYearAudienceSerializer)
    def get(self, request, code: str):
        return Response(_audience_body(self._rule(code)))

    @extend_schema(request=NewYearAudienceSerializer, responses=NewYearAudienceSerializer)
    def put(self, request, code: str):
        rule = self._rule(code)
        body = NewYearAudienceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        rule = new_year_audience_set(
            rule=rule,
            actor=request.user,
            grades=data["grades"],
            new_customers=data["new_customers"],
            existing_customers=data["existing_customers"],
            tags=data["tags"],
        )
        return Response(_audience_body(rule))
