from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "fordra.surveillance"
    label = "surveillance"
    verbose_name = "Efterbevakning och preskription"

    def ready(self) -> None:
        # The apps below (kfm, plans, payments) tell fordra.claims.limitation when a claim's
        # limitation moved; the rules that recompute it live here.
        from fordra.claims.limitation import limitation_follower_register
        from fordra.surveillance.daily import limitation_follow_cases

        limitation_follower_register(limitation_follow_cases)
