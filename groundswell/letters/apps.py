from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "groundswell.letters"
    label = "letters"
    verbose_name = "Letters"
