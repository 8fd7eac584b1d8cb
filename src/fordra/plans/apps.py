from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "fordra.plans"
    label = "plans"
    verbose_name = "Avbetalningsplaner"
