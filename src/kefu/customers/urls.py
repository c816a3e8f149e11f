from django.urls import path

from kefu.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("list/", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("board/", views.board, name="board"),
    path("files/", views.info_files, name="info_files"),
    path("files/new/", views.info_file_register, name="info_file_register"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/unmask/", views.customer_unmask, name="unmask"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("<int:pk>/accounts/new/", views.account_edit, name="account_create"),
    path("<int:pk>/accounts/<int:account_pk>/", views.account_edit, name="account_edit"),
    path("<int:pk>/contact-log/", views.interaction_add, name="interaction_add"),
    path("<int:pk>/manager/", views.manager_change, name="manager_change"),
    path("<int:pk>/duplicate/", views.duplicate_decide, name="duplicate_decide"),
    path("<int:pk>/grade/", views.grade_adjust, name="grade_adjust"),
    path("<int:pk>/visit-plans/new/", views.visit_plan_create, name="visit_plan_create"),
    path("<int:pk>/visits/new/", views.visit_record_create, name="visit_record_create"),
    path(
        "manager-changes/<int:change_pk>/notice/",
        views.manager_change_notice,
        name="manager_change_notice",
    ),
    path(
        "manager-changes/<int:change_pk>/cancel/",
        views.manager_change_cancel,
        name="manager_change_cancel",
    ),
    path("grading/", views.rounds, name="rounds"),
    path("grading/<int:pk>/", views.round_detail, name="round"),
    path("grading/<int:pk>/close/", views.round_close, name="round_close"),
    path(
        "grading/<int:pk>/customers/<int:customer_pk>/",
        views.round_propose,
        name="round_propose",
    ),
    path("visits/", views.visits, name="visits"),
    path("visits/plans/<int:plan_pk>/decide/", views.visit_plan_decide, name="visit_plan_decide"),
    path("visits/trips/new/", views.trip_create, name="trip_create"),
    path("visits/weekly/", views.weekly_summary, name="weekly_summary"),
    path("visits/weekly/all/", views.summaries, name="summaries"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/errors/", views.import_errors, name="import_errors"),
]
