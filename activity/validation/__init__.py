"""Validation and challenge of costed activity (DOMAIN 10; Hertfordshire objective 2).

Publishing an extract stores one :class:`ActivityLine` per costed spell or attendance beside the aggregates.
A practice challenges lines; PCT staff accept or reject; an accepted challenge becomes an
:class:`ActivityAdjustment` kept beside the raw line (which is never edited) and the reports recompute.
Each practice returns its monthly validation; :func:`selectors.returned_months` tells the incentives code
which months were returned.
"""
