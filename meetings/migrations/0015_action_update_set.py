"""Each progress update carries its action's set (for the participation report's progress figure: one index, no
join). Filled in from the actions for the rows already there."""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE meetings_actionupdate SET learning_set_id = (
    SELECT a.learning_set_id FROM meetings_action a WHERE a.id = meetings_actionupdate.action_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_slot_runner"),
        ("sets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionupdate",
            name="learning_set",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sets.learningset",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="actionupdate",
            name="learning_set",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sets.learningset",
            ),
        ),
        migrations.AddIndex(
            model_name="actionupdate",
            index=models.Index(fields=["learning_set", "author", "created_at"], name="action_update_set_author_time"),
        ),
    ]
