from django.apps import AppConfig


class KfmConfig(AppConfig):
    name = "fordra.kfm"
    label = "kfm"
    verbose_name = "Kronofogden"
