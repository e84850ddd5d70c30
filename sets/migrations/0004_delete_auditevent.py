from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('sets', '0003_departure_policy'),
    ]

    operations = [
        # The model is now core's; its table stays (core.AuditEvent keeps the db_table).
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='AuditEvent')]),
    ]
