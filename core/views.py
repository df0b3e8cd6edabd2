from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from regions.selectors import region_ancestors, scope_root


@login_required
def home(request):
    root = scope_root(request.user)
    return render(request, "core/home.html", {
        "scope_root": root,
        "breadcrumbs": region_ancestors(root) if root else [],
    })


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
