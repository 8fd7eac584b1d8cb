import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonDataAccess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(choices=[("viewed", "Visade"), ("exported", "Registerutdrag"), ("pseudonymised", "Pseudonymiserad")], max_length=20)),
                ("actor", models.CharField(max_length=150)),
                ("where", models.CharField(blank=True, default="", max_length=200)),
                ("at", models.DateTimeField()),
                ("debtor", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="parties.debtor")),
            ],
            options={"ordering": ["at", "id"], "indexes": [models.Index(fields=["debtor", "at"], name="privacy_per_debtor__8db6ea_idx")]},
        ),
        migrations.CreateModel(
            name="Pseudonymisation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("on", models.DateField()),
                ("at", models.DateTimeField()),
                ("debtor", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="parties.debtor")),
            ],
        ),
    ]
