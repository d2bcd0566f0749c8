"""The medication: the clinic's drug library for ketamine and the check every order passes.

Owns the patient's weight and height ranges and the dosing weight (``body``), the drug
library with its defaults in ``resources/drug_library/ketamine.json`` (``library``), the
clinic's own version in the record database (``clinic_library``) and the verdict on an
order against the library and the prescriber's approval (``order_check``). May import
the dose arithmetic, typed-in numbers and the store's clinic-settings table; never the
session, the bedside, the course, the security package or the UI (they ask it).
"""
