from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "fordra.claims"
    label = "claims"
    verbose_name = "Ärenden och fakturor"
