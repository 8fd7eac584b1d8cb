from django.contrib import admin

from fordra.claims.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: import batches are evidence of what a creditor handed over."""

    list_display = ("created_at", "filename", "source", "invoices", "duplicates", "cases_created")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
