from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from fordra.web import urls_kfm, urls_plans, urls_surveillance, views
from fordra.web.auth_views import ThrottledLoginView, healthz_view

app_name = "web"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:case_list", permanent=False)),
    path("healthz", healthz_view, name="healthz"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/cases/", views.case_list_view, name="case_list"),
    path("staff/cases/<str:ref>/", views.case_detail_view, name="case_detail"),
    path("staff/letters/<int:letter_id>.pdf", views.letter_pdf_view, name="letter_pdf"),
    path("staff/payments/unmatched/", views.unmatched_view, name="unmatched"),
    path("staff/cases/<str:ref>/direct-payment/", views.direct_payment_view, name="direct_payment"),
    path("staff/cases/<str:ref>/action/", views.case_action_view, name="case_action"),
    path("staff/klientmedel/", views.klientmedel_view, name="klientmedel"),
    path(
        "staff/cases/<str:ref>/person-extract/", views.person_extract_view, name="person_extract"
    ),
    path("staff/letters/<int:letter_id>/", views.letter_html_view, name="letter_html"),
]

# Each stage after the demand keeps its staff pages in its own module.
urlpatterns += [*urls_plans.urlpatterns, *urls_kfm.urlpatterns, *urls_surveillance.urlpatterns]
