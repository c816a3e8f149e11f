from django.urls import path

from kefu.core import views

app_name = "core"

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
]
