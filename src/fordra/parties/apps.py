from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "fordra.parties"
    label = "parties"
    verbose_name = "Parter (borgenärer och gäldenärer)"
