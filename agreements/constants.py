"""Fixed texts and numbers of agreements, LES sign-up and incentive payments."""

from __future__ import annotations

# The ten sections of a PBC shared agreement: the minimum requirements of the April 2005 toolkit
# (seed 001, 5.4). Each is (number, title, guidance shown beside the free text).
AGREEMENT_SECTIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "Aims and objectives of the agreement",
        "The aim of PBC locally (national aims and the specific local focus). Specific, measurable, "
        "achievable, realistic and timely (SMART) objectives are listed as rows below the text.",
    ),
    (
        2,
        "Parties to the agreement",
        "The PCT (or PCTs), the locality or group if formally structured, the individual named practices, "
        "and local service providers as necessary, each with a named lead.",
    ),
    (
        3,
        "Key services",
        "The services commissioned under the local scheme and those provided under it.",
    ),
    (
        4,
        "Accountability and governance arrangements",
        "PCT statutory processes that apply to PBC; named lead personnel; systems of service and financial "
        "governance; links to other agreements (e.g. PMS); review, notice and termination.",
    ),
    (
        5,
        "Data transparency, quality and use",
        "The level and nature of data to be shared; systems of data quality and validation; data "
        "confidentiality; how data will be used for incentives, budget setting or savings.",
    ),
    (
        6,
        "Performance management",
        "Locally agreed quality indicators; the performance management framework and timeframes; rules "
        "for over- and under-performance.",
    ),
    (
        7,
        "Contract monitoring and reporting",
        "Systems for contract monitoring and their timescales; the key personnel involved; the process "
        "for reporting through the PEC.",
    ),
    (
        8,
        "Financial management",
        "How budgets and contract values are calculated; criteria for the use of savings; dealing with "
        "overspends and financial recovery; risk management and agreed contingencies; review periods.",
    ),
    (
        9,
        "PCT and practice roles and responsibilities",
        "What the PCT agrees to, what each practice agrees to and what the locality agrees to; how the "
        "PCT and practices work together and are managed.",
    ),
    (
        10,
        "Inter-practice agreements",
        "The system of accountability and lead personnel between practices; collaborative working and "
        "management arrangements; shared financial agreements.",
    ),
)
SECTION_COUNT = len(AGREEMENT_SECTIONS)
AIMS_SECTION = 1

DEFAULT_NOTICE_PERIOD_DAYS = 90
# Reminders are sent this many days before a review date, the last day to give notice, or a termination.
REMINDER_DAYS_BEFORE = 30

# Hertfordshire LES: "the equivalent of at least 2 hours per GP per month".
LES_MIN_HOURS_PER_GP_PER_MONTH = 2
# Year-end declarations may be made from this month of the scheme year (March) onwards.
LES_DECLARATION_FROM_MONTH = 3

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = ("pdf", "doc", "docx", "odt", "txt", "csv", "xls", "xlsx", "ods", "png", "jpg", "jpeg")


# Ready-made scheme definitions a PCT can start from on the scheme page.
SCHEME_TEMPLATES = {
    "banes": "BANES PBC funding 2007/08, Part 2 (weighted outcomes)",
    "herts": "Hertfordshire PBC LES 2007/08 (sign-up, information, locality levels)",
    "des": "Directed enhanced services 2008/09 (national rates)",
}
