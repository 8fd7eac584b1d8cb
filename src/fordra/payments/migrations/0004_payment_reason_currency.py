# Issue 10 item 9: a payment queued for staff says why (shared by every format), and a payment
# in another currency than SEK is held, unbooked, with its currency.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_refunds"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="reason",
            field=models.CharField(blank=True, db_default="", default="", max_length=200),
        ),
        migrations.AddField(
            model_name="payment",
            name="currency",
            field=models.CharField(db_default="SEK", default="SEK", max_length=3),
        ),
    ]
