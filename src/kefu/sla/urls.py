from django.urls import path

from kefu.sla import views

app_name = "sla"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/presets/", views.preset_load, name="preset_load"),
    path("policies/explain/", views.policy_explain, name="policy_explain"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path(
        "tickets/<int:pk>/deadlines/<int:position>/reached/",
        views.deadline_reached,
        name="deadline_reached",
    ),
    path(
        "tickets/<int:pk>/deadlines/<int:position>/investigation/",
        views.investigation_answer,
        name="investigation_answer",
    ),
    path(
        "tickets/<int:pk>/deadlines/<int:position>/delay-notice/",
        views.delay_notice_record,
        name="delay_notice_record",
    ),
    path("compliance/", views.compliance, name="compliance"),
    path("delay-notices/", views.delay_notices, name="delay_notices"),
    path("investigations/", views.investigations, name="investigations"),
    path("investigations/<int:pk>/answer/", views.investigation_reply, name="investigation_reply"),
]
