from django.db import connection
from django.http import HttpResponse


def health(request):
    """For the load balancer and docker compose: the process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
