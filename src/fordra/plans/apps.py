from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "fordra.plans"
    label = "plans"
    verbose_name = "Avbetalningsplaner"

    def ready(self) -> None:
        # A payment may name a plan installment's OCR; payments sits below plans and may not
        # read its tables, so plans offers the lookup (fordra.payments.references).
        from fordra.payments.references import reference_resolver_register
        from fordra.plans.queries import installment_reference_cases

        reference_resolver_register(installment_reference_cases)
