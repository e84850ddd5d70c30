from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set

        from accounts import signals

        for signal in (password_changed, password_set, password_reset):
            signal.connect(signals.end_other_sessions, dispatch_uid=f"accounts-end-sessions-{id(signal)}")
