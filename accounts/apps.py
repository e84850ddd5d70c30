from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        from accounts import signals  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        for signal in (password_changed, password_set, password_reset):
            signal.connect(signals.end_other_sessions, dispatch_uid=f"accounts-end-sessions-{id(signal)}")
