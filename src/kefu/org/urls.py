from django.urls import path

from kefu.org import views

app_name = "org"

urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/active/", views.department_set_active, name="department_set_active"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/me/", views.me, name="me"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/active/", views.staff_set_active, name="staff_set_active"),
    path("staff/<int:pk>/password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<int:pk>/tokens/new/", views.token_create, name="token_create"),
    path(
        "staff/<int:pk>/tokens/<str:token_key>/revoke/",
        views.token_revoke,
        name="token_revoke",
    ),
    path("roles/", views.role_list, name="role_list"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
]
