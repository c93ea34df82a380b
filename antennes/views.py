from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import render

from .models import Office, OfficeTerritory, Sit


@login_required
def network(request):
    """The regional network: each SIT, its regions, its offices and their territories."""
    territories = OfficeTerritory.objects.select_related("region", "mrc", "municipality")
    offices = (
        Office.objects.select_related("region", "municipality")
        .annotate(staff_count=Count("assignments", distinct=True))
        .prefetch_related(Prefetch("territories", queryset=territories))
        .order_by("-kind", "city")
    )
    sits = Sit.objects.prefetch_related(
        "regions", Prefetch("offices", queryset=offices)
    ).order_by("name")
    return render(request, "antennes/network.html", {"sits": sits})
