"""The application's URL map plus the floor of issue 9, served only by the benchmark.

The floor is the least a page of 50 vendors can cost on this machine: one query for the 50
rows the vendor list's first page shows, a minimal template of them, and the same server,
middleware and settings. Each page's median is read as a ratio to it, which holds better on a
noisy machine than milliseconds do."""

from django.db.models.functions import Lower
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as application_urlpatterns
from vendors.models import Vendor

FLOOR_URL = "/bench/floor/"

ROWS = engines["django"].from_string(
    "<!doctype html><title>Floor</title><table>{% for v in rows %}<tr>"
    "<td><a href='/vendors/{{ v.pk }}/'>{{ v.name }}</a></td>"
    "<td>{{ v.get_service_type_display }}</td><td>{{ v.get_status_display }}</td>"
    "<td>{{ v.tier }}</td><td>{{ v.residual_score }}</td><td>{{ v.data_classes }}</td>"
    "<td>{{ v.next_reassessment_date|date:'j M Y' }}</td></tr>{% endfor %}</table>"
)


def floor(request):
    """No login check and no session: the request is anonymous, so no query but the rows."""
    rows = list(Vendor.objects.order_by(Lower("name"))[:50])
    return HttpResponse(ROWS.render({"rows": rows}))


urlpatterns = [path(FLOOR_URL.strip("/") + "/", floor), *application_urlpatterns]
