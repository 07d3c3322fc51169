"""Constants of the applications app: the seed templates (Annex 1, Annex 2, practice competencies),
defaults for the configurable decision rules, and attachment limits."""

from __future__ import annotations

# Board ratification is needed above this total cost unless a PCT sets its own figure for the year.
DEFAULT_RATIFICATION_THRESHOLD_PENCE = 100_000_00  # £100,000.00
# Eligible (not conflicted) PEC members who must vote on an item before the chair records a decision.
DEFAULT_PEC_QUORUM = 3

# The PEC secretary: the PCT's commissioning team, who run the PEC's business (schedule its meetings, keep
# the register of interests). Only they may end a member's interest while it covers an item on an open
# agenda (with a reason); the member may end it themself only once those meetings have closed.
PEC_SECRETARY_PERMISSION = "applications.manage_meetings"

# Attachments: what may be uploaded (by content, not by name) and how big.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # settings.PBC_APPLICATION_ATTACHMENT_MAX_BYTES overrides
ATTACHMENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    # detected MIME type: (label, extensions a file of that type may carry)
    "application/pdf": ("PDF", frozenset({"pdf"})),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word", frozenset({"docx"})),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", frozenset({"xlsx"})),
    "image/png": ("PNG image", frozenset({"png"})),
    "image/jpeg": ("JPEG image", frozenset({"jpg", "jpeg"})),
    "image/gif": ("GIF image", frozenset({"gif"})),
}

# Annex 2 (seed 001): the practice application assessment template, "to be adapted locally".
# (section, code, question); a PCT's criteria for a year start as a copy of these.
ANNEX2_CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("A", "A1", "Satisfies the key local aims and objectives of PbC as defined locally?"),
    ("A", "A2", "Key outcomes delivered?"),
    ("B", "B1", "Practice/PCT shared agreement in place?"),
    ("B", "B2", "Locality agreement in place?"),
    ("B", "B3", "Leadership and management structures clear?"),
    ("B", "B4", "Management capacity clear and sustainable?"),
    ("B", "B5", "Choice offered?"),
    ("B", "B6", "Evidence of patient and public involvement (PPI)?"),
    ("C", "C1", "Level of management cost required stated (indicative only; final costs to be agreed)?"),
    ("C", "C2", "Potential overall savings identified (above the PCT's savings bands)?"),
    ("C", "C3", "Financial risks to the practice/locality assessed?"),
    ("C", "C4", "Confident that this level of service/funding can be sustained?"),
    ("C", "C5", "Priorities for re-investment have been stated?"),
    ("C", "C6", "IT in place or data validation taken place?"),
    ("D", "D1", "Maintains local stability of services and equity across practices/locality?"),
    ("D", "D2", "Assessment of current service undertaken?"),
    ("D", "D3", "Numbers of patients benefiting determined?"),
    ("D", "D4", "Satisfied with the balance between patients benefiting and the whole PCT population?"),
    ("D", "D5", "Possibility of roll-out to the wider PCT area if successful?"),
    ("E", "E1", "Proposed start date for the new arrangements stated and realistic?"),
)

# Annex 1 (seed 001): the PCT state-of-readiness self-assessment, red/amber/green per area.
# (group, code, area)
ANNEX1_AREAS: tuple[tuple[str, str, str], ...] = (
    ("PCT – practice relationships", "rel_collaborative", "Collaborative working"),
    ("PCT – practice relationships", "rel_clinical", "Clinical engagement"),
    ("PCT – practice relationships", "rel_units", "Natural commissioning units identified"),
    ("Practice competency", "prac_commissioning", "Commissioning competency"),
    ("Practice competency", "prac_management", "Management competency"),
    ("Practice competency", "prac_other", "Other"),
    ("PCT competency", "pct_staff", "Staff resources identified"),
    ("PCT competency", "pct_budget", "Budget resources identified"),
    ("PCT competency", "pct_linkages", "Commissioning linkages made"),
    ("Clarity of focus", "focus_aims", "Aims/objectives clear"),
    ("Clarity of focus", "focus_outcomes", "Outcomes clear"),
    ("Clarity of focus", "focus_services", "Key services identified"),
    ("Clarity of focus", "focus_slas", "Secondary care SLAs for PbC identified"),
    ("Clarity of focus", "focus_scale", "Scale/scope of implementation planned"),
    ("Finance", "fin_budgets", "2003/04 budgets clearly identified"),
    ("Finance", "fin_capitation", "Process for moving to weighted capitation budget planned"),
    ("Finance", "fin_pbr", "PbR resources identified for key PbC areas"),
    ("Finance", "fin_setup", "Set up costs for practices identified"),
    ("Finance", "fin_management", "Continuing management costs identified"),
    ("Finance", "fin_support", "Resources for PCT support identified"),
    ("Arrangements for managing risk", "risk_contingency", "Contingency arrangements agreed"),
    ("Arrangements for managing risk", "risk_savings", "Clear criteria for level and use of savings"),
    ("Governance", "gov_accountability", "Accountability clear"),
    ("Governance", "gov_quality", "Local PbC quality standards agreed"),
    ("Governance", "gov_monitoring", "Monitoring arrangements established"),
    ("Governance", "gov_agreement", "Practice/PCT shared agreement"),
    ("Governance", "gov_choice", "Patient choice assurance"),
    ("Governance", "gov_roles", "Key roles identified"),
    ("Governance", "gov_decisions", "Decision-making mechanism clear"),
    ("IT and data", "it_solutions", "Possible IT solutions explored"),
    ("IT and data", "it_feedback", "Quality data and key practice data to be fed back identified"),
    ("IT and data", "it_process", "Process for using quality data clear"),
    ("IT and data", "it_personnel", "Support personnel identified and trained"),
    ("IT and data", "it_tools", "Monitoring tools developed as necessary"),
    ("PCT management", "mgmt_leadership", "PCT leadership clear"),
    ("PCT management", "mgmt_champions", "Local clinical champions engaged"),
    ("PCT management", "mgmt_support", "Dedicated management support in place and offered to practices"),
    ("PCT management", "mgmt_linkages", "Clear linkages between PbC and other management areas"),
    ("PCT management", "mgmt_pec", "PEC responsibilities clear"),
    ("PCT management", "mgmt_risk", "Risk assessment of practice competencies and locality models"),
    ("PCT management", "mgmt_criteria", "Criteria for assessing PbC applications"),
    ("PCT management", "mgmt_inyear", "Criteria for in-year decision making and any documentation"),
    ("PCT management", "mgmt_board", "Documentation for reporting to PCT Board"),
    ("PCT management", "mgmt_disputes", "Local processes for dispute resolution (before arbitration)"),
    ("PCT management", "mgmt_training", "Staff training needs analysis"),
    ("PCT management", "mgmt_behaviour", "Processes for implementing behaviour change"),
    ("PCT management", "mgmt_timetables", "Practice implementation timetables"),
    ("Communication", "comm_ldp", "Inform practices of the LDP"),
    ("Communication", "comm_focus", "Inform practices of key PbC focus areas and plans for implementation"),
    ("Communication", "comm_event", "PCT stakeholder event"),
    ("Communication", "comm_stakeholders", "Communication to key secondary care and other stakeholders"),
    ("Communication", "comm_internal", "Communicate internally in the PCT"),
    ("Evaluation and review of local PbC", "eval_process", "Process for evaluating local PbC implementation"),
    ("Evaluation and review of local PbC", "eval_impact", "Process for monitoring impact of PbC"),
)
ANNEX1_AREA_LABELS = {code: label for _, code, label in ANNEX1_AREAS}

# Seed 001 4.24 (North Kirklees PCT): evidence a PCT seeks that a practice can deliver PbC.
PRACTICE_COMPETENCIES: tuple[tuple[str, str], ...] = (
    ("delivery_plans", "Sound local delivery plans in place"),
    ("influence", "Can influence local decision-making, service redesign and delivery, and knows its limits"),
    ("agenda", "Good understanding of the PCT commissioning agenda, LDP priorities and policy drivers"),
    ("list_size", "Covers a minimum list size that would be effective in the local model"),
    (
        "data_quality",
        "Good record of data quality (NHS numbers, information systems, audits, list validation)",
    ),
    ("performance", "Recognised high quality practice performance (e.g. QOF, achievement awards)"),
    ("it_systems", "Stable IT systems and processes in place"),
    ("no_disputes", "No outstanding disputes or issues with the PCT (contract, debts, complaints)"),
    ("systematic", "Able to actively manage PbC in a systematic way"),
    ("ppi", "Can demonstrate a commitment to patient and public involvement"),
    ("choice", "Has or is developing systems for offering patient choice"),
    ("governance", "Good systems for clinical governance and risk assurance"),
    ("agreements", "Able to enter into unambiguous agreements with the PCT and other practices"),
)
PRACTICE_COMPETENCY_LABELS = dict(PRACTICE_COMPETENCIES)
