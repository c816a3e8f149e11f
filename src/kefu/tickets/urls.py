from django.urls import path

from kefu.tickets import views, views_majors

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.intake, name="intake"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/caller/", views.intake_caller, name="intake_caller"),
    path("new/fields/", views.intake_fields, name="intake_fields"),
    path("config/", views.config, name="config"),
    path("config/categories/new/", views.category_edit, name="category_create"),
    path("config/categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("config/rules/new/", views.rule_edit, name="rule_create"),
    path("config/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("config/channels/new/", views.channel_edit, name="channel_create"),
    path("config/channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("config/types/new/", views.type_edit, name="type_create"),
    path("config/types/<int:pk>/", views.type_edit, name="type_edit"),
    path("config/queues/new/", views.queue_edit, name="queue_create"),
    path("config/queues/<int:pk>/", views.queue_edit, name="queue_edit"),
    path("config/templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("config/canned/new/", views.canned_edit, name="canned_create"),
    path("config/canned/<int:pk>/", views.canned_edit, name="canned_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/urge/", views.urge, name="urge"),
    path("<int:pk>/supervise/", views.supervise, name="supervise"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/child/", views.child, name="child"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/customer/", views.link_customer, name="link_customer"),
    path("<int:pk>/repeat/", views.link_repeat, name="link_repeat"),
    path("<int:pk>/major/", views_majors.flag_major, name="flag_major"),
    path("<int:pk>/major/clear/", views_majors.clear_major, name="clear_major"),
    path("liaison/", views_majors.liaison_list, name="liaison_list"),
    path("liaison/new/", views_majors.liaison_new, name="liaison_new"),
    path("<int:pk>/files/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
