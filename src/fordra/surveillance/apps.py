from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "fordra.surveillance"
    label = "surveillance"
    verbose_name = "Efterbevakning och preskription"
