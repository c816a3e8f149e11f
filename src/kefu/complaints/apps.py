from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints and tip-offs")

    def ready(self) -> None:
        from kefu.complaints import workspace  # noqa: F401  (registers the cards)


# The top-bar entry (shown by kefu.site.navigation); translated in this app's catalogue.
NAV_LABEL = _("Complaints")
