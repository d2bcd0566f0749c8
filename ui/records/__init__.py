"""Past records and the audit trail: the Records page, a session's review, the Audit page."""
