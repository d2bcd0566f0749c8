"""The discharge record export: PDF, CSV, FHIR R4, HL7 v2 (with MLLP) and VitalDB .vital.

``load_record`` reads a session once; one module per format writes it; ``atomic``
makes every file appear whole or not at all; ``integrity`` stamps and checks what was
exported; ``service.export_session`` ties them together and audits the export on the
session's timeline.
"""
