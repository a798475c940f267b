"""Only the API, for tests that must not depend on the pages' URLs."""

from django.urls import path

from api.api import api

urlpatterns = [path("api/v1/", api.urls)]
