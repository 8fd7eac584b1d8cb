from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "fordra.privacy"
    label = "privacy"
    verbose_name = "Personuppgifter (GDPR)"
