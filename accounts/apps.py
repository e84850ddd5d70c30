from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        from accounts import signals, versions  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        for signal in (password_changed, password_set, password_reset):
            signal.connect(signals.end_other_sessions, dispatch_uid=f"accounts-end-sessions-{id(signal)}")
        # What bumps a person's version ("user:<pk>"), on which their cached layout and session user depend.
        versions.connect()
