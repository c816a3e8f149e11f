"""Read-only Django admin views: calendars are changed on kefu's own pages (and API), where
the services validate them and run the calendar change listeners."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkCalendar)
class WorkCalendarAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "timezone", "always_open", "is_active"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["calendar", "date", "kind", "name", "source"]
    list_filter = ["calendar", "kind", "source"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["calendar", "year", "source", "loaded_at"]
    list_filter = ["calendar", "source"]
