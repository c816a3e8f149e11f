from django.urls import path

from kefu.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/do/<slug:name>/", views.act, name="act"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/actions/<int:item>/done/", views.action_done, name="action_done"),
    path("<int:pk>/actions/<int:item>/verify/", views.action_verify, name="action_verify"),
    path("<int:pk>/remedies/<int:item>/decide/", views.remedy_decide, name="remedy_decide"),
    path("<int:pk>/remedies/<int:item>/receive/", views.remedy_receive, name="remedy_receive"),
    path("<int:pk>/remedies/<int:item>/instruct/", views.remedy_instruct, name="remedy_instruct"),
    path(
        "remedies/<int:pk>/certificate/",
        views.allowance_certificate,
        name="allowance_certificate",
    ),
    path("<int:pk>/reporter/", views.reporter, name="reporter"),
    path("<int:pk>/print/", views.print_form, name="print_form"),
    path("penalties/", views.penalties, name="penalties"),
    path("penalties/<int:pk>/notice/", views.penalty_notice, name="penalty_notice"),
    path("statistics/", views.statistics, name="statistics"),
    path("identity-log/", views.identity_log, name="identity_log"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/chain/", views.approval_chain_edit, name="approval_chain"),
]
