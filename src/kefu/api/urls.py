from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from kefu.calendars import api as calendars_api
from kefu.complaints import api as complaints_api
from kefu.customers import api as customers_api
from kefu.followups import api as followups_api
from kefu.notify import api as notify_api
from kefu.org import api as org_api
from kefu.site import api as site_api
from kefu.sla import api as sla_api
from kefu.tickets import api as tickets_api
from kefu.tickets import api_majors as tickets_majors_api

router = DefaultRouter()
router.register("departments", org_api.DepartmentViewSet, basename="department")
router.register("staff", org_api.StaffViewSet, basename="staff")
router.register("customers", customers_api.CustomerViewSet, basename="customer")
router.register("contacts", customers_api.ContactViewSet, basename="contact")
router.register("visits", customers_api.VisitRecordViewSet, basename="visit")
router.register("visit-plans", customers_api.VisitPlanViewSet, basename="visit-plan")
router.register("tickets", tickets_api.TicketViewSet, basename="ticket")
router.register("liaison-slips", tickets_majors_api.LiaisonSlipViewSet, basename="liaison-slip")
router.register("categories", tickets_api.CategoryViewSet, basename="category")
router.register("channels", tickets_api.ChannelViewSet, basename="channel")
router.register("routing-rules", tickets_api.RoutingRuleViewSet, basename="routing-rule")
router.register("canned-replies", tickets_api.CannedReplyViewSet, basename="canned-reply")
router.register("saved-views", tickets_api.SavedQueueViewViewSet, basename="saved-queue-view")
router.register("return-visits", followups_api.ReturnVisitViewSet, basename="return-visit")
router.register("surveys", followups_api.QuestionnaireViewSet, basename="survey")
router.register("survey-responses", followups_api.SurveyResponseViewSet, basename="survey-response")
# /visit-plans/ is the account managers' 走访 plans (customers); these are 回访档案 visits
router.register(
    "return-visit-plans", followups_api.PlannedVisitViewSet, basename="return-visit-plan"
)
router.register("complaints", complaints_api.ComplaintCaseViewSet, basename="complaint")
router.register("calendars", calendars_api.WorkCalendarViewSet, basename="calendar")
router.register("calendar-days", calendars_api.CalendarDayViewSet, basename="calendar-day")
router.register("sla-policies", sla_api.SlaPolicyViewSet, basename="sla-policy")
router.register("sla-milestones", sla_api.SlaMilestoneViewSet, basename="sla-milestone")
router.register("messages", notify_api.MessageViewSet, basename="message")
router.register("notifications", notify_api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(sla_api.urlpatterns)),
    path("", include(calendars_api.urlpatterns)),
    path(
        "tickets/<str:number>/major/",
        tickets_majors_api.MajorFlagView.as_view(),
        name="api-ticket-major",
    ),
    path(
        "tickets/<str:number>/major/clear/",
        tickets_majors_api.MajorClearView.as_view(),
        name="api-ticket-major-clear",
    ),
    path(
        "complaint-approval-chain/",
        complaints_api.ApprovalChainView.as_view(),
        name="api-complaint-approval-chain",
    ),
    path("progress/", tickets_api.ProgressView.as_view(), name="api-progress"),
    path(
        "new-year-campaigns/", followups_api.NewYearCampaignListView.as_view(), name="api-new-year"
    ),
    path(
        "new-year-campaigns/<slug:code>/",
        followups_api.NewYearCampaignView.as_view(),
        name="api-new-year-rule",
    ),
    path("satisfaction/", followups_api.FiguresView.as_view(), name="api-satisfaction"),
    path("presets/", site_api.PresetsView.as_view(), name="api-presets"),
    path("presets/apply/", site_api.PresetApplyView.as_view(), name="api-presets-apply"),
    path(
        "public-survey/<str:token>/",
        followups_api.PublicSurveyView.as_view(),
        name="api-public-survey",
    ),
    path("", include(router.urls)),
]
