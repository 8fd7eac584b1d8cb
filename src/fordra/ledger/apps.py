from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "fordra.ledger"
    label = "ledger"
    verbose_name = "Huvudbok (klientmedel)"
