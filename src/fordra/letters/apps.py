from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "fordra.letters"
    label = "letters"
    verbose_name = "Brev och utskick"
