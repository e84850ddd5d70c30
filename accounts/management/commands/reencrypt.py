"""Re-encrypt every confidential field with the current key (the last step of a key rotation)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.encryption import encrypted_fields, forget_keys, resave


class Command(BaseCommand):
    help = (
        "Write every encrypted field again with the first key (SECRET_KEY with the first FIELD_ENCRYPTION_SALTS "
        "entry). Run it after putting a new key first; then the old key can be removed."
    )

    def handle(self, *args, **options):
        forget_keys()
        for model, names in encrypted_fields():
            with transaction.atomic():
                count = resave(model, names)
            self.stdout.write(f"{model._meta.label}: {count} rows ({', '.join(names)})")
        self.stdout.write(self.style.SUCCESS("Every encrypted field now uses the current key."))
