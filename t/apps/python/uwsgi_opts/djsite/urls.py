import os

from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse("django says hello to %s" % os.environ.get("SITE_NAME", "?"))


urlpatterns = [path("", index)]
