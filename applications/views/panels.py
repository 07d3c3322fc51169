"""The applications panel of the home page: notifications, the user's applications, what awaits them."""

from __future__ import annotations

from applications import selectors


def applications_panel(request) -> dict | None:
    user = request.user
    if not user.has_perm("applications.view_application"):
        return None
    return {
        "template": "applications/panels/home.html",
        "notifications": selectors.unread_notifications(user=user, limit=10),
        "applications": selectors.open_applications_for_applicant(user=user, limit=10)
        if user.has_perm("applications.submit_application")
        else None,
        "waiting": selectors.waiting_for(user=user),
        "meetings": selectors.upcoming_meetings(user=user)
        if user.has_perm("applications.view_meeting")
        else None,
        "can_apply": user.has_perm("applications.submit_application"),
    }
