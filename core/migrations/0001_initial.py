"""The audit log and the heartbeat move here from sets and meetings. Their tables stay as they are (db_table):
only Django's idea of which app owns them changes, so no data moves."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sets', '0003_departure_policy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Heartbeat',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True)),
                    ('last_run_at', models.DateTimeField()),
                ],
                options={
                    'db_table': 'meetings_heartbeat',
                },
            ),
            migrations.CreateModel(
                name='AuditEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('verb', models.CharField(choices=[('invited', 'invited'), ('invitation_resent', 'resent an invitation'), ('invitation_revoked', 'revoked an invitation'), ('invitation_accepted', 'accepted an invitation'), ('organisation_role_changed', 'changed an organisation role'), ('set_role_changed', 'changed a set role'), ('added_to_set', 'added someone to a set'), ('removed_from_set', 'removed someone from a set'), ('removed_from_organisation', 'removed someone from the organisation'), ('two_factor_policy_changed', 'changed the two-factor policy'), ('departure_policy_changed', 'changed what is kept when someone leaves'), ('left_organisation', 'left the organisation'), ('account_deleted', 'deleted their account'), ('exported', 'exported data'), ('learning_published', 'published a learning'), ('learning_withdrawn', 'withdrew a learning'), ('admin_login', 'logged in (admin)')], max_length=40)),
                    ('actor_email', models.EmailField(blank=True, max_length=254)),
                    ('subject_email', models.EmailField(blank=True, max_length=254)),
                    ('detail', models.JSONField(blank=True, default=dict)),
                    ('at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('learning_set', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sets.learningset')),
                    ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='audit_events', to='sets.organisation')),
                    ('subject', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'sets_auditevent',
                    'ordering': ['-at', '-pk'],
                    'indexes': [models.Index(fields=['organisation', '-at'], name='audit_organisation_time')],
                },
            ),
            ],
        ),
    ]
