"""What the case page adds from the case-work tools (interventions, checklist, priority and
merging): each module's ``detail_context(request, case)`` gives its part of the page's
context, read through the same scope as the page. (The emails notes came from are the notes'
part: ``case._notes_context``, which the notes fragment also renders alone.)"""

from . import checklists, interventions, merge

PARTS = (interventions, checklists, merge)


def detail_context(request, case) -> dict:
    context = {}
    for part in PARTS:
        context.update(part.detail_context(request, case))
    return context
