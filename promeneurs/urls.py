from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Promeneurs du Net — administration"
admin.site.site_title = "Promeneurs du Net"
admin.site.index_title = "Pilotage du programme"

urlpatterns = [
    path("", include("pages.urls")),
    path("", include("structures.urls")),
    path("comptes/", include("allauth.urls")),
    path("tableau-de-bord/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
