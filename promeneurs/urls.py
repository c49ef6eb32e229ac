from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.static import serve

# The admin's login goes through allauth: same rate limits, same second factor.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Promeneurs du Net — administration"
admin.site.site_title = "Promeneurs du Net"
admin.site.index_title = "Pilotage du programme"

urlpatterns = [
    path("", include("pages.urls")),
    path("", include("structures.urls")),
    path("", include("referrals.urls")),
    path("", include("news.urls")),
    path("", include("comments.urls")),
    path("", include("notifications.urls")),
    path("", include("stats.urls")),
    path("", include("opendata.urls")),
    path("captcha/", include("promeneurs.captcha_urls")),
    # Invitations (structures/invitation_urls.py): their link comes before allauth's `comptes/`.
    path("", include("structures.invitation_urls")),
    path("comptes/", include("allauth.urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Development only: promeneurs' photos are public.
    urlpatterns += static(
        settings.MEDIA_URL, view=login_not_required(serve), document_root=settings.MEDIA_ROOT
    )
handler500 = "pages.views.server_error"
