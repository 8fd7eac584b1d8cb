from django.db import migrations, models


class Migration(migrations.Migration):
    """Letter status ``void``: sent, then voided by an action with an earlier effective date."""

    dependencies = [
        ("letters", "0004_delivery_sent_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="letter",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Väntar på rendering"),
                    ("blocked", "Stoppat av kontrollen"),
                    ("rendered", "Klart att skicka"),
                    ("handed_over", "Lämnat till kanal"),
                    ("sent", "Skickat"),
                    ("failed", "Misslyckat"),
                    ("cancelled", "Makulerat"),
                    ("void", "Ogiltigt"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
    ]
