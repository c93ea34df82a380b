from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # placeholder, replaced before commit
    return HttpResponse("todo")


followup = followup_export = _todo
