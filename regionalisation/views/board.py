from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # placeholder, replaced before commit
    return HttpResponse("todo")


board = opportunity_follow = referral_record = _todo
