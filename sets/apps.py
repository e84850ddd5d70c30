from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetsConfig(AppConfig):
    name = "sets"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)
        from allauth.mfa.signals import authenticator_removed  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        from core import outbox  # noqa: PLC0415 (ready(): as above)
        from sets import invitations, signals, versions  # noqa: PLC0415 (ready(): as above)

        # The invitation email is an outbox kind: core delivers it without importing this app.
        outbox.register(
            invitations.INVITATION,
            label=_("Invitation"),
            check=invitations.check_invitation_email,
            send=invitations.send_invitation_email,
        )

        versions.connect()
        user_logged_in.connect(signals.audit_admin_login, dispatch_uid="sets-audit-admin-login")
        user_logged_in.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-login")
        authenticator_removed.connect(signals.note_two_factor_requirement, dispatch_uid="sets-two-factor-removed")
