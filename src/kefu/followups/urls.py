from django.urls import path

from kefu.followups import views

app_name = "followups"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attempt/", views.attempt, name="attempt"),
    path("<int:pk>/record/", views.record, name="record"),
    path("<int:pk>/link/", views.send_link, name="send_link"),
    path("<int:pk>/close/", views.close_dissatisfied, name="close_dissatisfied"),
    path("report/", views.report, name="report"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("planned/", views.planned, name="planned"),
    path("planned/<int:pk>/done/", views.planned_done, name="planned_done"),
    path("files/new/<int:customer_id>/", views.plan_new, name="plan_new"),
    path("surveys/", views.questionnaires, name="questionnaires"),
    path("surveys/<int:pk>/", views.questionnaire, name="questionnaire"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/new-year/<int:pk>/", views.new_year_audience, name="new_year_audience"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_answer, name="campaign_answer"),
    path("s/<str:token>/", views.survey, name="survey"),
]
