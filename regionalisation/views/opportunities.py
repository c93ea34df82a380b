from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # placeholder, replaced before commit
    return HttpResponse("todo")


opportunity_list = opportunity_export = opportunity_create = opportunity_detail = _todo
opportunity_edit = opportunity_extend = opportunity_move = _todo
