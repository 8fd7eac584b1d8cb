from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0002_stages_groundwork"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="sent_on",
            field=models.DateField(blank=True, null=True),
        ),
    ]
