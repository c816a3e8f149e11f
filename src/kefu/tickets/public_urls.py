from django.urls import path

from kefu.tickets import views

urlpatterns = [
    path("report/", views.public_report, name="public_report"),
]
