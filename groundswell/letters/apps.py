from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "groundswell.letters"
    label = "letters"
    verbose_name = "Letters"

    def ready(self):
        """Co-signers and writers are in "My data", its erasure and retention (decision 13)."""
        from groundswell.core import personal_data
        from groundswell.letters.personal_data import HOLDER

        personal_data.register(HOLDER)
