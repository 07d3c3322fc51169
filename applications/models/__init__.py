"""Models of the applications app, split by sub-domain and re-exported here."""

from applications.models.assessment import Assessment, AssessmentAnswer, CriteriaSet, Criterion
from applications.models.core import Application, ApplicationTransition, Attachment, DecisionRules
from applications.models.meetings import AgendaItem, InterestDeclaration, Meeting, Vote
from applications.models.other import Notification, PracticeCompetency, ReadinessRating, ReadinessReview

__all__ = [
    "AgendaItem",
    "Application",
    "ApplicationTransition",
    "Assessment",
    "AssessmentAnswer",
    "Attachment",
    "CriteriaSet",
    "Criterion",
    "DecisionRules",
    "InterestDeclaration",
    "Meeting",
    "Notification",
    "PracticeCompetency",
    "ReadinessRating",
    "ReadinessReview",
    "Vote",
]
