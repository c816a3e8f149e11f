"""The working calendars moved to ``kefu.calendars`` (``calendars.0001``) with their tables
unchanged: the SLA app's state forgets the models, its milestones point at
``calendars.WorkCalendar``, and the content types (and so the permissions) of the moved
models follow them. Nothing in the database's schema changes.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = (
    "workcalendar",
    "calendarday",
    "calendaryear",
    "historicalworkcalendar",
    "historicalcalendarday",
    "historicalcalendaryear",
)


def _move_content_types(apps, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    taken = set(
        content_types.filter(app_label=target, model__in=MOVED).values_list("model", flat=True)
    )
    content_types.filter(app_label=source, model__in=set(MOVED) - taken).update(
        app_label=target
    )


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, "sla", "calendars")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, "calendars", "sla")


class Migration(migrations.Migration):

    dependencies = [
        ("calendars", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0006_deadline_recorded_late"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='calendaryear',
                    name='calendar',
                ),
                migrations.RemoveField(
                    model_name='historicalcalendarday',
                    name='calendar',
                ),
                migrations.RemoveField(
                    model_name='historicalcalendarday',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalcalendaryear',
                    name='calendar',
                ),
                migrations.RemoveField(
                    model_name='historicalcalendaryear',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalworkcalendar',
                    name='history_user',
                ),
                migrations.AlterField(
                    model_name='historicalslamilestone',
                    name='calendar',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='calendars.workcalendar', verbose_name='calendar'),
                ),
                migrations.AlterField(
                    model_name='slamilestone',
                    name='calendar',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='milestones', to='calendars.workcalendar', verbose_name='calendar'),
                ),
                migrations.DeleteModel(
                    name='CalendarDay',
                ),
                migrations.DeleteModel(
                    name='CalendarYear',
                ),
                migrations.DeleteModel(
                    name='HistoricalCalendarDay',
                ),
                migrations.DeleteModel(
                    name='HistoricalCalendarYear',
                ),
                migrations.DeleteModel(
                    name='HistoricalWorkCalendar',
                ),
                migrations.DeleteModel(
                    name='WorkCalendar',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
