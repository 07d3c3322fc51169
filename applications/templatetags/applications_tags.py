from django import template

from applications.choices import ApplicationStatus, Rag

register = template.Library()

_STATUS_CLASSES = {
    ApplicationStatus.DRAFT: "text-bg-light border",
    ApplicationStatus.APPROVED: "text-bg-success",
    ApplicationStatus.IMPLEMENTED: "text-bg-success",
    ApplicationStatus.REJECTED: "text-bg-danger",
    ApplicationStatus.REJECTION_UPHELD: "text-bg-danger",
    ApplicationStatus.WITHDRAWN: "text-bg-secondary",
    ApplicationStatus.CLOSED: "text-bg-secondary",
    ApplicationStatus.AWAITING_RATIFICATION: "text-bg-warning",
    ApplicationStatus.LOCAL_RESOLUTION: "text-bg-warning",
    ApplicationStatus.SHA_ARBITRATION: "text-bg-warning",
}
_RAG_CLASSES = {Rag.RED: "text-bg-danger", Rag.AMBER: "text-bg-warning", Rag.GREEN: "text-bg-success"}


@register.filter
def status_class(status: str) -> str:
    """Badge colours for a status (the status is always written out too, never colour alone)."""
    return _STATUS_CLASSES.get(status, "text-bg-primary")


@register.filter
def rag_class(rag: str) -> str:
    return _RAG_CLASSES.get(rag, "text-bg-light border")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
