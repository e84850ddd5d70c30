from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('meetings', '0009_encrypt_words_of_support'),
    ]

    operations = [
        # The model is now core's; its table stays (core.Heartbeat keeps the db_table).
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='Heartbeat')]),
    ]
