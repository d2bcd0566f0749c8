"""Each timeline event kind has one class: its payload, its checks and its clinical sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketaconsole.alarms import AlarmEvent, AlarmEventKind, Priority
from ketaconsole.session.events import (
    DosePlanned,
    EventPayloadError,
    Gap,
    Signature,
    known_kinds,
    read,
    sentence,
    title,
)

ROOT = Path(__file__).resolve().parents[3]
WRITTEN = re.compile(r"(?:_record|record_event|post_event|append_event|_submit|submit)\(\s*"
                     r"\"([a-z_]+)\"")
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\w+=|\[Hg\]")


def _kinds_the_code_writes() -> set[str]:
    found: set[str] = set()
    for folder in ("ketaconsole", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(WRITTEN.findall(path.read_text(encoding="utf-8")))
    actions = {f"infusion_{a}" for a in ("start", "pause", "resume", "stop")}
    return (found | actions | {"export", "record_loss", "pump_state"}) - {"alarm_action"}


def test_every_kind_the_console_writes_has_its_class() -> None:
    missing = _kinds_the_code_writes() - set(known_kinds())
    assert missing == set()


def test_a_signature_has_one_shape_and_reads_the_older_one() -> None:
    signed = Signature(signer="Kim Nurse", role="nurse", meaning="discharge sign-off")
    assert read("signature", signed.payload()) == signed
    older = read("signature", {"name": "Kim Nurse", "role": "nurse",
                               "meaning": "discharge sign-off"})
    assert older == signed
    with pytest.raises(EventPayloadError):
        read("signature", {"role": "nurse"})


def test_a_dose_plan_round_trips_and_needs_its_order() -> None:
    plan = DosePlanned(70.0, 0.5, 40.0, 1.0, 35.0, 0.875, 52.5)
    assert read("dose_plan", plan.payload()) == plan
    assert sentence("dose_plan", plan.payload()) == (
        "Dose plan: 0.5 mg/kg (35 mg) over 40 min at 1 mg/mL for 70 kg, 52.5 mL/h")
    with pytest.raises(EventPayloadError, match="needs 'concentration_mg_ml'"):
        read("dose_plan", {"weight_kg": 70, "mg_per_kg": 0.5, "duration_min": 40})


def test_a_gap_keeps_its_stored_keys_and_reads_as_a_span_of_clock_time() -> None:
    gap = Gap(began=1_800_000_000.0, ended=1_800_000_090.0, reason="power cut", seconds=90)
    payload = gap.payload()
    assert payload["from"] == 1_800_000_000.0 and payload["to"] == 1_800_000_090.0
    assert read("gap", payload) == gap
    assert sentence("gap", payload).endswith("(1 min 30 s): power cut")


@pytest.mark.parametrize("event", [
    AlarmEvent(AlarmEventKind.STARTED, 1.0, "spo2-low", "SpO2 low", Priority.HIGH,
               message="SpO\u2082 84 %, below 90 % for 15 s"),
    AlarmEvent(AlarmEventKind.ACKNOWLEDGED, 2.0, "spo2-low", "SpO2 low", Priority.HIGH,
               by="nurse.kim"),
    AlarmEvent(AlarmEventKind.BASELINE_SET, 3.0, message="Baseline NIBP sys 124 mmHg",
               values={"metric": "MDC_PRESS_BLD_NONINV_SYS", "unit": "mm[Hg]"}, by="kim"),
    AlarmEvent(AlarmEventKind.AUDIO_PAUSED, 4.0, by="kim"),
], ids=lambda e: e.kind.value)
def test_alarm_sentences_carry_no_internal_word(event: AlarmEvent) -> None:
    text = sentence("alarm", event.as_record())
    assert not INTERNAL.search(text.replace("nurse.kim", "")), text
    assert title("alarm") == "Alarm"


def test_every_kind_has_a_clinical_title_and_a_bad_payload_is_a_sentence_not_a_crash() -> None:
    for name in known_kinds():
        assert "_" not in title(name), name
    assert sentence("dose_plan", {"weight_kg": "heavy"}) == (
        "Dose plan (the entry's details could not be read)")


def test_an_entry_is_checked_when_it_is_made_and_nothing_entered_is_dropped() -> None:
    from ketaconsole.session.events import DosePlanned, PhaseChanged, make

    with pytest.raises(EventPayloadError, match="no field 'colour'"):
        make("annotation", {"text": "calm", "colour": "red"})
    with pytest.raises(EventPayloadError, match="not a usable order"):
        DosePlanned(weight_kg=0.0, mg_per_kg=0.5, duration_min=40.0, concentration_mg_ml=1.0)
    with pytest.raises(EventPayloadError, match="no session phase"):
        PhaseChanged("Halfway")
    given = make("rescue_medication", {"drug": "Ondansetron", "dose": 4, "unit": "mg",
                                       "route": "IV", "given_at": 1_790_000_000.0})
    assert given.payload()["given_at"] == 1_790_000_000.0


def test_a_baseline_for_the_alarms_is_filed_under_the_alarm_limits_never_as_an_alarm() -> None:
    baseline = AlarmEvent(AlarmEventKind.BASELINE_SET, 3.0, message="Baseline NIBP sys 124 mmHg",
                          values={"metric": "MDC_PRESS_BLD_NONINV_SYS"}, by="demo-nurse")
    raised = AlarmEvent(AlarmEventKind.STARTED, 1.0, "spo2-low", "SpO2 low", Priority.HIGH,
                        message="SpO\u2082 84 %, below 90 % for 15 s")
    assert title("alarm", baseline.as_record()) == "Alarm limits"
    assert title("alarm", raised.as_record()) == "Alarm"
    said = sentence("alarm", baseline.as_record())
    assert said == "The alarms judge rises from the baseline NIBP sys 124 mmHg"
    assert "demo-nurse" not in said, "who set it is the entry's author, named in words"


def test_the_pump_is_named_once_in_what_it_reports() -> None:
    assert sentence("pump_state", {"device": "pump", "state": "infusing"}) == \
        "The pump reports: infusing"
    assert sentence("pump_state", {"device": "alaris", "state": "paused"}) == \
        "The pump (alaris) reports: paused"
