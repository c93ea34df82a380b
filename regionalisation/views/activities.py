from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # placeholder, replaced before commit
    return HttpResponse("todo")


activity_list = activity_export = activity_create = activity_detail = _todo
activity_edit = activity_delete = activity_outcomes = _todo
