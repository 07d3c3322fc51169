"""Background jobs of the applications app: notifications after a change has committed.

Each task takes primary keys only and calls a service; running one twice sends nothing twice.
"""

from celery import shared_task


@shared_task(acks_late=True)
def application_transition_notify_task(transition_id: int) -> int:
    from applications.services import notify_transition

    return notify_transition(transition_id=transition_id)


@shared_task(acks_late=True)
def agenda_item_notify_task(item_id: int) -> int:
    from applications.services import notify_agenda_item

    return notify_agenda_item(item_id=item_id)
