from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fordra.web"
    label = "web"
    verbose_name = "Webb"
