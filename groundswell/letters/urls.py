"""The letters app's pages. Each section below owns the paths it declares."""

app_name = "letters"

urlpatterns: list = []
