from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sets"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from allauth.mfa.signals import authenticator_removed

        # Connected here, once the models are ready; importing `tasks` registers them for core.queueing.
        from sets import signals, tasks  # noqa: F401

        user_logged_in.connect(signals.audit_admin_login, dispatch_uid="sets-audit-admin-login")
        user_logged_in.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-login")
        authenticator_removed.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-removed")
