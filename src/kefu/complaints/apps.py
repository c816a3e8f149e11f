from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints and tip-offs")

    def ready(self) -> None:
        from kefu.complaints import workspace  # noqa: F401  (registers the cards)
        from kefu.sla.events import start_event_declare

        # the events of a case file a time limit may count from (CMP-08, CMP-10)
        for code, label in CLOCK_EVENTS.items():
            start_event_declare(code, label)


# Start events of time limits announced by kefu.complaints.services (kefu.sla.events):
# the investigation's findings recorded (CMP-08: report within 3 days after it) and the
# customer's negotiated result returned to the office (CMP-10: combined opinion in 1 day).
INVESTIGATION_FINISHED = "investigation_finished"
RESULT_RETURNED = "result_returned"
CLOCK_EVENTS = {
    INVESTIGATION_FINISHED: _("Complaint investigation finished"),
    RESULT_RETURNED: _("Negotiated result returned"),
}

# The top-bar entry (shown by kefu.site.navigation); translated in this app's catalogue.
NAV_LABEL = _("Complaints")
