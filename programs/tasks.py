"""Thin Celery wrappers: they take ids and call a service."""

from celery import shared_task


@shared_task
def notify_plan_event(event_id: int) -> int:
    from . import services

    return services.plan_event_notify(event_id=event_id)


@shared_task
def notify_plan_comment(comment_id: int) -> int:
    from . import services

    return services.plan_comment_notify(comment_id=comment_id)


@shared_task
def notify_plan_assigned(plan_id: int, adviser_id: int) -> int:
    from . import services

    return services.plan_assigned_notify(plan_id=plan_id, adviser_id=adviser_id)
