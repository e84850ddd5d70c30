from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as account_views
from actionlearning import views

# The Django admin logs in through allauth (rate limits, two-factor), never through its own form.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "actionlearning administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    # The footer's language chooser (a POST with CSRF; anyone, logged in or not).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # allauth's sign-up with the invited person's name filled in; allauth's own URL below is never reached.
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("", include("meetings.urls")),
    path("", include("learning.urls")),
    path("", include("reports.urls")),
    path("", include("sets.urls")),
]

# The bench's layout floor (docs/performance.md): only when the harness turns it on, never in production.
if settings.BENCH_VIEWS:
    urlpatterns.insert(0, path("bench/layout/", views.bench_layout_floor, name="bench-layout-floor"))
