"""The codes of the constraints' errors (kefu.complaints.errors.CODES); no change to the
database."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0004_seal_tip_off_reporters'),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name='complaintcase',
            name='complaints_case_validity_known',
            constraint=models.CheckConstraint(condition=models.Q(('validity__in', ['pending', 'valid', 'invalid'])), name='complaints_case_validity_known', violation_error_code='invalid_choice'),
        ),
        migrations.AlterConstraint(
            model_name='complaintsettings',
            name='complaints_settings_fine_band',
            constraint=models.CheckConstraint(condition=models.Q(('fine_min__lte', models.F('fine_max'))), name='complaints_settings_fine_band', violation_error_code='fine_band_inverted'),
        ),
        migrations.AlterConstraint(
            model_name='penalty',
            name='complaints_penalty_has_target',
            constraint=models.CheckConstraint(condition=models.Q(('person__isnull', False), ('department__isnull', False), _connector='OR'), name='complaints_penalty_has_target', violation_error_code='penalty_needs_target'),
        ),
        migrations.AlterConstraint(
            model_name='penalty',
            name='complaints_penalty_has_content',
            constraint=models.CheckConstraint(condition=models.Q(('fine__isnull', False), models.Q(('sanction', ''), _negated=True), _connector='OR'), name='complaints_penalty_has_content', violation_error_code='penalty_needs_content'),
        ),
        migrations.AlterConstraint(
            model_name='remedy',
            name='complaints_remedy_amount_positive',
            constraint=models.CheckConstraint(condition=models.Q(('amount__isnull', True), ('amount__gt', 0), _connector='OR'), name='complaints_remedy_amount_positive', violation_error_code='amount_not_positive'),
        ),
        migrations.AlterConstraint(
            model_name='remedy',
            name='complaints_remedy_quantity_positive',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__isnull', True), ('quantity__gt', 0), _connector='OR'), name='complaints_remedy_quantity_positive', violation_error_code='amount_not_positive'),
        ),
    ]
