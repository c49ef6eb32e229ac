"""Open data: the public directory in the data·inclusion schema v1 (JSON and CSV)."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from promeneurs.spreadsheets import csv_response

from . import data_inclusion

DATASETS = {
    "structures": data_inclusion.structures_rows,
    "services": data_inclusion.services_rows,
}


def csv_cell(value):
    """Lists as comma-separated codes; coordinates and hours with a dot, as the schema writes them."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, float):
        return str(value)
    return value


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def dataset(request, name, extension):
    rows_of = DATASETS.get(name)
    if rows_of is None:
        raise Http404("Jeu de données inconnu.")
    rows = rows_of()
    if extension == "json":
        response = JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
        response["Access-Control-Allow-Origin"] = "*"
        return response
    header = data_inclusion.columns(name)
    return csv_response(
        f"data-inclusion-{name}.csv", header, ([csv_cell(row.get(key)) for key in header] for row in rows)
    )
