# One letter fee covers several invoices (lag (1981:739) 2 §, 3 § 1; issue 10 item 1).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0006_awaiting_decision_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='feerecord',
            name='covers',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
    ]
