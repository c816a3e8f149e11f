from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "kefu.followups"
    label = "followups"
    verbose_name = _("Return visits")

    def ready(self) -> None:
        from kefu.followups import (
            panels,  # noqa: F401  (registers the customer 360 section)
            tasks,  # noqa: F401  (registers the daily jobs)
            workspace,  # noqa: F401  (registers the workspace cards)
        )


# The top-bar entry (shown by kefu.site.navigation); translated in this app's catalogue.
NAV_LABEL = _("Return visits")
