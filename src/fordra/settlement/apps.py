from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "fordra.settlement"
    label = "settlement"
    verbose_name = "Redovisning till borgenärer"
