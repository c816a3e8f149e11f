"""The working calendars become their own app. Their tables stay where they are (named
``sla_*``, from when they were models of the SLA app): this migration only tells Django's
state that the models now belong here; ``sla.0007`` removes them from the SLA app's state.
"""

import django.core.validators
import django.db.models.deletion
import kefu.calendars.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # the tables were created (and seeded) by the SLA app
        ("sla", "0006_deadline_recorded_late"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalWorkCalendar',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('code', models.SlugField(help_text='Short unique code, letters, digits, hyphens and underscores.', max_length=40, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('timezone', models.CharField(default='Asia/Shanghai', max_length=64, validators=[kefu.calendars.models.validate_timezone], verbose_name='time zone')),
                        ('always_open', models.BooleanField(default=False, help_text='Every hour of every day is working time; holidays are ignored.', verbose_name='open around the clock (24×7)')),
                        ('monday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Monday')),
                        ('tuesday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Tuesday')),
                        ('wednesday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Wednesday')),
                        ('thursday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Thursday')),
                        ('friday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Friday')),
                        ('saturday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Saturday')),
                        ('sunday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Sunday')),
                        ('makeup_weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], default=0, help_text="A make-up working day (调休) uses this weekday's working periods.", verbose_name='make-up days work like')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical working calendar',
                        'verbose_name_plural': 'historical working calendars',
                        'db_table': 'sla_historicalworkcalendar',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='WorkCalendar',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(help_text='Short unique code, letters, digits, hyphens and underscores.', max_length=40, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('timezone', models.CharField(default='Asia/Shanghai', max_length=64, validators=[kefu.calendars.models.validate_timezone], verbose_name='time zone')),
                        ('always_open', models.BooleanField(default=False, help_text='Every hour of every day is working time; holidays are ignored.', verbose_name='open around the clock (24×7)')),
                        ('monday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Monday')),
                        ('tuesday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Tuesday')),
                        ('wednesday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Wednesday')),
                        ('thursday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Thursday')),
                        ('friday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Friday')),
                        ('saturday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Saturday')),
                        ('sunday', models.CharField(blank=True, max_length=120, validators=[kefu.calendars.models.validate_periods], verbose_name='Sunday')),
                        ('makeup_weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], default=0, help_text="A make-up working day (调休) uses this weekday's working periods.", verbose_name='make-up days work like')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': 'working calendar',
                        'verbose_name_plural': 'working calendars',
                        'db_table': 'sla_workcalendar',
                        'ordering': ['id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('makeup_weekday__lte', 6)), name='sla_calendar_makeup_weekday')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalCalendarYear',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1900), django.core.validators.MaxValueValidator(2200)], verbose_name='year')),
                        ('source', models.CharField(choices=[('package', 'State Council arrangement (chinese-calendar)'), ('manual', 'Entered by an administrator')], max_length=10, verbose_name='source')),
                        ('loaded_at', models.DateTimeField(blank=True, editable=False, verbose_name='loaded at')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('calendar', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='calendars.workcalendar', verbose_name='calendar')),
                    ],
                    options={
                        'verbose_name': 'historical loaded year',
                        'verbose_name_plural': 'historical loaded years',
                        'db_table': 'sla_historicalcalendaryear',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalCalendarDay',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Holiday'), ('makeup_workday', 'Make-up working day')], max_length=20, verbose_name='kind')),
                        ('name', models.CharField(max_length=50, verbose_name='name')),
                        ('source', models.CharField(choices=[('statutory', 'Statutory'), ('local', 'Local')], default='local', max_length=10, verbose_name='source')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('calendar', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='calendars.workcalendar', verbose_name='calendar')),
                    ],
                    options={
                        'verbose_name': 'historical calendar day',
                        'verbose_name_plural': 'historical calendar days',
                        'db_table': 'sla_historicalcalendarday',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='CalendarYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1900), django.core.validators.MaxValueValidator(2200)], verbose_name='year')),
                        ('source', models.CharField(choices=[('package', 'State Council arrangement (chinese-calendar)'), ('manual', 'Entered by an administrator')], max_length=10, verbose_name='source')),
                        ('loaded_at', models.DateTimeField(auto_now_add=True, verbose_name='loaded at')),
                        ('calendar', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='loaded_years', to='calendars.workcalendar', verbose_name='calendar')),
                    ],
                    options={
                        'verbose_name': 'loaded year',
                        'verbose_name_plural': 'loaded years',
                        'db_table': 'sla_calendaryear',
                        'ordering': ['calendar', 'year'],
                        'constraints': [models.UniqueConstraint(fields=('calendar', 'year'), name='sla_year_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='CalendarDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Holiday'), ('makeup_workday', 'Make-up working day')], max_length=20, verbose_name='kind')),
                        ('name', models.CharField(max_length=50, verbose_name='name')),
                        ('source', models.CharField(choices=[('statutory', 'Statutory'), ('local', 'Local')], default='local', max_length=10, verbose_name='source')),
                        ('calendar', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='days', to='calendars.workcalendar', verbose_name='calendar')),
                    ],
                    options={
                        'verbose_name': 'calendar day',
                        'verbose_name_plural': 'calendar days',
                        'db_table': 'sla_calendarday',
                        'ordering': ['calendar', 'date'],
                        'constraints': [models.UniqueConstraint(fields=('calendar', 'date'), name='sla_day_unique_date')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
