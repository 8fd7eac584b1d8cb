from django.contrib import admin

from fordra.parties.models import Creditor, Debtor


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "orgnr",
        "bankgiro",
        "service_level",
        "template",
        "reminder_fee_agreed",
        "trifle_ore",
        "trifle_policy",
    )
    search_fields = ("name", "orgnr")
    list_filter = ("service_level", "template")


@admin.register(Debtor)
class DebtorAdmin(admin.ModelAdmin):
    list_display = ("name", "national_id", "debtor_type", "postal_code", "city")
    search_fields = ("name", "national_id")
    list_filter = ("debtor_type",)
