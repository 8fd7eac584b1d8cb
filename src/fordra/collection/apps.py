from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "fordra.collection"
    label = "collection"
    verbose_name = "Inkassoflöde (daglig körning)"
