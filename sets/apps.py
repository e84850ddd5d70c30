from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sets"
