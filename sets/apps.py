from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sets"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)
        from allauth.mfa.signals import authenticator_removed  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        # Importing `tasks` registers them for core.queueing, which queues them by name.
        from sets import signals, tasks  # noqa: F401, PLC0415 (ready(): as above)

        user_logged_in.connect(signals.audit_admin_login, dispatch_uid="sets-audit-admin-login")
        user_logged_in.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-login")
        authenticator_removed.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-removed")
