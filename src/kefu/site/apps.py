from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "kefu.site"
    label = "site"
