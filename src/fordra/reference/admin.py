from django.contrib import admin

from fordra.reference.models import ReferenceRate


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "percent", "source", "created_at")
    ordering = ("-valid_from",)
