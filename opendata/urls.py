from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path(
        f"api/data-inclusion/{name}.{extension}",
        views.dataset,
        {"name": name, "extension": extension},
        name=f"{name}_{extension}",
    )
    for name in ("structures", "services")
    for extension in ("json", "csv")
]
