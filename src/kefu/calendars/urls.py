"""The calendar pages, mounted under ``/sla/`` beside the SLA policies they serve."""

from django.urls import path

from kefu.calendars import views

app_name = "calendars"

urlpatterns = [
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<slug:code>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<slug:code>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<slug:code>/<int:year>/", views.calendar_year, name="calendar_year"),
    path(
        "calendars/<slug:code>/<int:year>/days/",
        views.calendar_day_add,
        name="calendar_day_add",
    ),
    path(
        "calendars/<slug:code>/<int:year>/load/",
        views.calendar_load_year,
        name="calendar_load_year",
    ),
    path(
        "calendars/<slug:code>/days/<int:pk>/remove/",
        views.calendar_day_remove,
        name="calendar_day_remove",
    ),
]
