"""The project's URLs plus one view that fails, to see the 500 page a user would get."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def fail(request):
    raise RuntimeError("a fault in a view")


urlpatterns = [path("failing/", fail), *project_urlpatterns]
