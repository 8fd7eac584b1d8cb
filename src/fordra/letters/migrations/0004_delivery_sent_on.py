from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0003_delivery_once_per_channel"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="sent_on",
            field=models.DateField(blank=True, null=True),
        ),
    ]
