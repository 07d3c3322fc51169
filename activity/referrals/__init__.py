"""Referrals (DOMAIN 10; issue 15 items 1–3): referral extracts, GP referrals derived from outpatients,
referral rates per 1,000 registered patients with peer medians and funnel-plot positions.

A PCT's referrals for a financial year come from its referral extract when it has loaded one for that
year; otherwise from its published HES/SUS outpatient activity lines (:func:`rules.outpatient_referrals`).
"""
