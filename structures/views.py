from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render


@login_not_required
def directory(request):
    return render(request, "structures/directory.html", {})


@login_not_required
def structure_detail(request, slug):
    raise Http404


@login_not_required
def promeneur_detail(request, slug):
    raise Http404
