"""A patient's course of treatment: identity across sessions, eligibility, measures, dosing."""
