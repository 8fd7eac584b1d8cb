from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "fordra.payments"
    label = "payments"
    verbose_name = "Inbetalningar"
