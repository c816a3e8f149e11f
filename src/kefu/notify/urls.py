from django.urls import path

from kefu.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
    path("messages/", views.message_list, name="messages"),
]
