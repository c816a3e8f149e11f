from django.urls import path

from kefu.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/industry/", views.preset_page, name="presets"),
]
