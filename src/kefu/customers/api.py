"""REST API of the customer archive: customers (with lookup), contacts, visits.

Everything goes through the selectors' data scope; phones and document numbers are masked
for callers who do not see them on screen either. Writes call the services.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from kefu.core.phones import mask_phone
from kefu.customers import permissions, rules, selectors
from kefu.customers.models import (
    AccountKind,
    Contact,
    Customer,
    ServiceAccount,
    VisitPlan,
    VisitRecord,
)
from kefu.customers.services.archive import customer_create, customer_update
from kefu.customers.services.contacts import AccountData, ContactData, contact_save
from kefu.customers.services.policy import current_policy
from kefu.customers.services.visits import visit_plan_submit, visit_record_create
from kefu.org.models import User


def _show_pii(context, customer) -> bool:
    request = context.get("request")
    return bool(request) and permissions.sees_pii(
        request.user, customer, context.get("policy") or current_policy()
    )


class ContactSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=20)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "is_key",
            "decides",
            "mobile",
            "phone",
            "email",
            "im_handle",
            "birthday",
            "notes",
            "is_active",
        ]
        read_only_fields = ["is_active"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _show_pii(self.context, instance.customer):
            data["mobile"] = mask_phone(data["mobile"]) if data["mobile"] else ""
            data["phone"] = mask_phone(data["phone"]) if data["phone"] else ""
        return data


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceAccount
        fields = ["id", "kind", "number", "premises_address", "industry", "attributes", "is_active"]


class CustomerSerializer(serializers.ModelSerializer):
    account_manager_name = serializers.CharField(
        source="account_manager.display_name", read_only=True, default=None
    )
    contacts = serializers.SerializerMethodField()
    accounts = AccountSerializer(many=True, read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    # optional choices: "" when not given (the schema says so)
    id_type = serializers.ChoiceField(
        choices=Customer._meta.get_field("id_type").choices, read_only=True, allow_blank=True
    )
    source_channel = serializers.ChoiceField(
        choices=Customer._meta.get_field("source_channel").choices, read_only=True, allow_blank=True
    )
    credit_rating = serializers.ChoiceField(
        choices=Customer._meta.get_field("credit_rating").choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "kind",
            "name",
            "id_type",
            "id_number",
            "industry",
            "address",
            "source_channel",
            "credit_rating",
            "relationship_stage",
            "grade",
            "service_tier",
            "grade_is_temporary",
            "grade_due_on",
            "cooperation_started_on",
            "department",
            "account_manager",
            "account_manager_name",
            "duplicate_of",
            "is_active",
            "tags",
            "notes",
            "created_at",
            "last_contact_at",
            "contacts",
            "accounts",
        ]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, customer):
        contacts = [c for c in customer.contacts.all() if c.is_active]
        return ContactSerializer(contacts, many=True, context=self.context).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["id_number"] and not _show_pii(self.context, instance):
            data["id_number"] = rules.mask_id_number(data["id_number"])
        return data


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=50, required=False, default="")
    is_key = serializers.BooleanField(required=False, default=False)
    mobile = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True, default=None)


class AccountInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=AccountKind.choices, default=AccountKind.OTHER)
    premises_address = serializers.CharField(max_length=255, required=False, default="")


class CustomerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Customer._meta.get_field("kind").choices)
    account_manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    id_type = serializers.CharField(required=False, default="", allow_blank=True)
    id_number = serializers.CharField(required=False, default="", allow_blank=True)
    industry = serializers.CharField(required=False, default="", allow_blank=True)
    address = serializers.CharField(required=False, default="", allow_blank=True)
    source_channel = serializers.CharField(required=False, default="", allow_blank=True)
    credit_rating = serializers.CharField(required=False, default="", allow_blank=True)
    grade = serializers.CharField(required=False, default="", allow_blank=True)
    service_tier = serializers.CharField(required=False, default="", allow_blank=True)
    notes = serializers.CharField(required=False, default="", allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    contacts = ContactInputSerializer(many=True, required=False, default=list)
    accounts = AccountInputSerializer(many=True, required=False, default=list)


class CustomerUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Customer._meta.get_field("kind").choices, required=False)
    id_type = serializers.CharField(required=False, allow_blank=True)
    id_number = serializers.CharField(required=False, allow_blank=True)
    industry = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    source_channel = serializers.CharField(required=False, allow_blank=True)
    credit_rating = serializers.CharField(required=False, allow_blank=True)
    relationship_stage = serializers.CharField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


class CustomerFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="phone, account number, code or name prefix")
    status = filters.ChoiceFilter(
        method="filter_status",
        choices=[
            ("active", "active"),
            ("duplicates", "duplicates"),
            ("inactive", "inactive"),
            ("all", "all"),
        ],
        label="active (default, as on the list page), duplicates, inactive or all",
    )

    class Meta:
        model = Customer
        fields = ["kind", "grade", "service_tier", "account_manager", "department", "code"]

    def __init__(self, data=None, *args, **kwargs):
        # the list page's default: active customers that are not duplicates
        if data is not None:
            data = data.copy()
            data.setdefault("status", "active")
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            pk__in=selectors.customer_list(
                self.request.user, selectors.CustomerFilter(q=value, status="all")
            ).values("pk")
        )

    def filter_status(self, queryset, name, value):
        return selectors.customers_by_status(queryset, value)


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers in the caller's data scope. Create and update go through the same rules
    as the pages (validated phones and document numbers, unique account numbers,
    configured grades); errors name the field."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    ordering = "id"
    queryset = Customer.objects.none()  # the model, for the schema; rows: get_queryset

    def get_queryset(self):
        # the pages' rules: the list page's scope for lists and changes, the customer
        # page's for opening one (directory roles open any customer, masked)
        if self.action == "retrieve":
            customers = selectors.customers_findable(self.request.user)
        else:
            customers = selectors.customer_list(
                self.request.user, selectors.CustomerFilter(status="all")
            )
        return (
            customers.select_related("account_manager")
            .prefetch_related("contacts", "accounts", "tags")
            .order_by("id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "policy": current_policy()}

    def filter_queryset(self, queryset):
        # the list's filters (its default status included) choose rows of a list; one
        # customer opens by its id alone, as its page does
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(request=CustomerCreateSerializer, responses={201: CustomerSerializer})
    def create(self, request, *args, **kwargs):
        if not permissions.can_create_customer(request.user):
            raise PermissionDenied
        payload = CustomerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        contacts = [ContactData(**c) for c in data.pop("contacts")]
        accounts = [AccountData(**a) for a in data.pop("accounts")]
        customer = customer_create(actor=request.user, contacts=contacts, accounts=accounts, **data)
        customer = self.get_queryset().filter(pk=customer.pk).first() or customer
        return Response(
            CustomerSerializer(customer, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CustomerUpdateSerializer, responses=CustomerSerializer)
    def update(self, request, *args, **kwargs):
        customer = self.get_object()
        if not permissions.can_edit_customer(request.user, customer):
            raise PermissionDenied
        payload = CustomerUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        tags = data.pop("tags", None)
        customer_update(customer=customer, tags=tags, **data)
        return Response(
            CustomerSerializer(
                self.get_queryset().get(pk=customer.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", OpenApiTypes.STR, description="any contact's phone"),
            OpenApiParameter("account", OpenApiTypes.STR, description="service account number"),
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="any key: phone, account, code, ID, name"
            ),
        ],
        responses=CustomerSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def lookup(self, request):
        """Find customers by phone, account number or any other key (the agent's box).
        Up to 20 matches, best first."""
        query = (
            request.query_params.get("phone")
            or request.query_params.get("account")
            or request.query_params.get("q")
            or ""
        )
        if not query.strip():
            raise ApiValidationError({"q": [_("Give phone, account or q.")]}, code="required")
        hits = selectors.customer_lookup(request.user, query)
        if request.query_params.get("phone"):
            hits = [h for h in hits if h.kind == "phone"]
        elif request.query_params.get("account"):
            hits = [h for h in hits if h.kind == "account"]
        ids = [h.customer.pk for h in hits]
        found = {
            c.pk: c
            for c in Customer.objects.filter(pk__in=ids)
            .select_related("account_manager")
            .prefetch_related("contacts", "accounts", "tags")
        }
        return Response(
            CustomerSerializer(
                [found[i] for i in ids], many=True, context=self.get_serializer_context()
            ).data
        )


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts of the customers in the caller's scope."""

    serializer_class = ContactSerializer
    filterset_fields = ["customer", "is_key"]
    ordering = "id"

    def get_queryset(self):
        return (
            Contact.objects.filter(
                customer__in=selectors.customers_visible(self.request.user).values("pk"),
                is_active=True,
            )
            .select_related("customer")
            .order_by("id")
        )

    def get_serializer_context(self):
        # the masking policy read once per request, not once per contact shown
        return {**super().get_serializer_context(), "policy": current_policy()}

    def _save(self, serializer, contact=None):
        data = dict(serializer.validated_data)
        customer = data.pop("customer", None) or contact.customer
        customer = get_object_or_404(selectors.customers_visible(self.request.user), pk=customer.pk)
        if not permissions.can_edit_customer(self.request.user, customer):
            raise PermissionDenied
        current = (
            {
                f: getattr(contact, f)
                for f in (
                    "name",
                    "title",
                    "is_key",
                    "decides",
                    "mobile",
                    "phone",
                    "email",
                    "im_handle",
                    "birthday",
                    "notes",
                )
            }
            if contact
            else {}
        )
        fields = {**current, **data}
        fields.pop("is_active", None)
        return contact_save(customer=customer, data=ContactData(**fields), contact=contact)

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, serializer.instance)


class VisitPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "customer",
            "contact",
            "manager",
            "purpose",
            "objectives",
            "planned_start",
            "planned_end",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["manager", "status", "decided_by", "decided_at", "decision_note"]


class VisitRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitRecord
        fields = [
            "id",
            "plan",
            "customer",
            "contact",
            "manager",
            "visited_at",
            "receptionist",
            "receptionist_decides",
            "discussed",
            "needs_found",
            "next_steps",
        ]
        read_only_fields = ["manager"]


class _VisitBase(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_fields = ["customer", "manager"]
    ordering = "id"

    def _customer(self, customer):
        customer = get_object_or_404(selectors.customers_visible(self.request.user), pk=customer.pk)
        if not permissions.can_edit_customer(self.request.user, customer):
            raise PermissionDenied
        return customer


class VisitPlanViewSet(_VisitBase):
    """客户走访单 (visit plans) in the caller's scope; new ones wait for approval."""

    serializer_class = VisitPlanSerializer

    def get_queryset(self):
        return selectors.visit_plans_visible(self.request.user).order_by("id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = self._customer(data.pop("customer"))
        serializer.instance = visit_plan_submit(
            customer=customer, manager=self.request.user, **data
        )


class VisitRecordViewSet(_VisitBase):
    """Visit records in the caller's scope."""

    serializer_class = VisitRecordSerializer

    def get_queryset(self):
        return selectors.visit_records_visible(self.request.user).order_by("id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = self._customer(data.pop("customer"))
        serializer.instance = visit_record_create(
            customer=customer, manager=self.request.user, **data
        )
