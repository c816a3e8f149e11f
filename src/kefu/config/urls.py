from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kefu.core import views as core_views
from kefu.org import views as org_views
from kefu.site import views as site_views
from kefu.tickets import views as tickets_views

urlpatterns = [
    path("", include("kefu.site.urls")),
    path("", include("kefu.core.urls")),
    path("org/", include("kefu.org.urls")),
    path("customers/", include("kefu.customers.urls")),
    path("sla/", include("kefu.calendars.urls")),
    path("sla/", include("kefu.sla.urls")),
    path("tickets/", include("kefu.tickets.urls")),
    path("followups/", include("kefu.followups.urls")),
    path("complaints/", include("kefu.complaints.urls")),
    path("notifications/", include("kefu.notify.urls")),
    path("public/", include("kefu.tickets.public_urls")),
    path("track/", tickets_views.track, name="track"),
    path("accounts/login/", org_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        org_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("i18n/setlang/", site_views.set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include("kefu.api.urls")),
    path("admin/", admin.site.urls),
]

# JSON for the API's paths, Django's pages elsewhere; an error of the database's outside
# a view (the session, the user) answers 503, not 500
handler400 = "kefu.api.errors.bad_request"
handler403 = "kefu.api.errors.permission_denied"
handler404 = "kefu.api.errors.page_not_found"
handler500 = "kefu.api.errors.server_error"
