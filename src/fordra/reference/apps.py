from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "fordra.reference"
    label = "reference"
    verbose_name = "Referensdata (räntor)"
