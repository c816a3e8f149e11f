from django.urls import path

from kefu.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
    path("bell/", views.bell, name="bell"),
    path("settings/", views.notification_settings, name="settings"),
    path("messages/", views.message_list, name="messages"),
]
