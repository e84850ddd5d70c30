"""Confidential text encrypted at rest (django-fernet-encrypted-fields), and key rotation.

What members bring (issue summaries, questions, reflections, journal entries, action texts and progress notes,
check-in notes, the words of a process rating, facilitators' process notes) is stored as Fernet tokens: a copy
of the database, a backup or a log of SQL shows none of it. The keys are derived (PBKDF2) from `SECRET_KEY` and
the salts in `FIELD_ENCRYPTION_SALTS`; the first secret and the first salt encrypt, every combination decrypts.

Rotating a key (docs/security.md, "Encryption at rest"): put the new secret first (`SECRET_KEY`, with the old one in
`SECRET_KEY_FALLBACKS`) or a new salt first in `FIELD_ENCRYPTION_SALTS`, deploy, run
`python manage.py reencrypt` (it re-saves every encrypted value with the new key), then drop the old one.
"""

from django.apps import apps
from django.core.signals import setting_changed
from django.db import migrations
from django.dispatch import receiver
from encrypted_fields import fields


class _EmptyStaysEmpty:
    """The library stores "" as NULL; our text columns are NOT NULL and blank means empty, so keep "" as is."""

    def get_prep_value(self, value):
        if value == "":
            return ""
        return super().get_prep_value(value)


class EncryptedTextField(_EmptyStaysEmpty, fields.EncryptedTextField):
    pass


class EncryptedCharField(_EmptyStaysEmpty, fields.EncryptedCharField):
    """max_length applies to the text a person typed; the column holds the longer token (a text column)."""


# Cached pages hold what members bring too (core/versions.py): they are sealed with the same keys as the fields.
_sealer = EncryptedTextField()


def seal(data: bytes) -> bytes:
    """`data` as a Fernet token under the first key (what core/versions.py stores in the cache)."""
    return _sealer.f.encrypt(data)


def unseal(token: bytes) -> bytes:
    """The data of a token from `seal`, under any current key; cryptography's InvalidToken if none opens it."""
    return _sealer.f.decrypt(token)


def encrypted_fields():
    """Every (model, [field names]) with encrypted fields, across the project."""
    for model in apps.get_models():
        names = [field.name for field in model._meta.concrete_fields if isinstance(field, fields.EncryptedFieldMixin)]
        if names:
            yield model, names


def forget_keys() -> None:
    """The fields cache their keys; after a change of SECRET_KEY or salts (tests, rotation) derive them again."""
    for model, names in encrypted_fields():
        for name in names:
            field = model._meta.get_field(name)
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)
    _sealer.__dict__.pop("keys", None)
    _sealer.__dict__.pop("f", None)


@receiver(setting_changed)
def _keys_changed(setting, **kwargs) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SALT_KEY"):
        forget_keys()


def resave(model, names, batch_size: int = 500) -> int:
    """Write every value of these fields again: plaintext (from before encryption) and tokens of an old key come
    out encrypted with the current key. Returns how many rows were written."""
    done, batch = 0, []
    for row in model._base_manager.only("pk", *names).iterator(chunk_size=batch_size):
        batch.append(row)
        if len(batch) == batch_size:
            model._base_manager.bulk_update(batch, names)
            done, batch = done + len(batch), []
    if batch:
        model._base_manager.bulk_update(batch, names)
        done += len(batch)
    return done


def encrypt_existing(app_label: str, model_name: str, *names: str):
    """A RunPython operation for the migration that turns plain fields into encrypted ones."""

    def forwards(migration_apps, schema_editor):
        resave(migration_apps.get_model(app_label, model_name), list(names))

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
