from antennes.models import Office


def office(slug: str) -> Office:
    """An office of the real network (loaded once per test session), by its slug."""
    return Office.objects.select_related("sit", "region").get(slug=slug)
