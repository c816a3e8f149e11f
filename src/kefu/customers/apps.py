from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customer archive")

    def ready(self) -> None:
        from kefu.customers import tasks  # noqa: F401  (registers the import task with Huey)


# The top-bar entry (shown by kefu.site.navigation); translated in this app's catalogue.
NAV_LABEL = _("Customer archive")
