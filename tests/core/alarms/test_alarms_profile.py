"""Limit profiles: the default file, validation messages, editing, saving and serialising."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ketaconsole.alarms import (
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Phase,
    Priority,
    ProfileError,
    default_profile,
    load_profile,
    profile_from_json,
    profile_from_record,
    profile_to_json,
    save_profile,
)

SPO2 = "MDC_PULS_OXIM_SAT_O2"


def test_default_profile_holds_the_clinical_defaults() -> None:
    profile = default_profile()
    spo2 = profile.rule("spo2-low")
    assert [(lim.comparison, lim.threshold, lim.priority, lim.sustain_s)
            for lim in spo2.limits] == [("below", 94, Priority.MEDIUM, 10),
                                        ("below", 90, Priority.HIGH, 15)]
    bp = {(lim.metrics[0], lim.comparison, lim.threshold): (lim.priority, lim.phase)
          for lim in profile.rule("bp-high").limits}
    assert bp[("MDC_PRESS_BLD_NONINV_SYS", "above", 180)] == (Priority.HIGH, Phase.ANY)
    assert bp[("MDC_PRESS_BLD_NONINV_DIA", "above", 110)] == (Priority.HIGH, Phase.ANY)
    assert bp[("MDC_PRESS_BLD_NONINV_SYS", "rise", 40)] == (Priority.MEDIUM, Phase.ANY)
    assert bp[("MDC_PRESS_BLD_NONINV_DIA", "rise", 25)] == (Priority.MEDIUM, Phase.ANY)
    assert bp[("MDC_PRESS_BLD_NONINV_SYS", "above", 140)] == (
        Priority.ADVISORY, Phase.BEFORE_DOSING)
    (hr_high,) = profile.rule("hr-high").limits
    assert (hr_high.threshold, hr_high.sustain_s, hr_high.priority) == (120, 300,
                                                                       Priority.MEDIUM)
    (apnea,) = profile.rule("apnea").limits
    assert (apnea.sustain_s, apnea.priority) == (30, Priority.HIGH)
    assert profile.audio_pause_s == 120


def test_default_profile_holds_low_pressure_respiration_and_etco2_limits() -> None:
    profile = default_profile()

    def limits(alarm_id: str) -> list[tuple[str, str, float, Priority, float]]:
        return [(lim.metrics[0], lim.comparison, lim.threshold, lim.priority, lim.sustain_s)
                for lim in profile.rule(alarm_id).limits]

    sys, mean = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_MEAN"
    assert limits("bp-low") == [
        (sys, "below", 90, Priority.MEDIUM, 0), (mean, "below", 65, Priority.MEDIUM, 0),
        (sys, "fall", 40, Priority.MEDIUM, 0), (mean, "fall", 25, Priority.MEDIUM, 0),
        (sys, "below", 80, Priority.HIGH, 0), (mean, "below", 55, Priority.HIGH, 0)]
    assert limits("rr-low") == [("MDC_RESP_RATE", "below", 8, Priority.MEDIUM, 30)]
    co2 = "MDC_AWAY_CO2_ET"
    assert limits("etco2-high") == [(co2, "above", 50, Priority.MEDIUM, 30),
                                    (co2, "above", 60, Priority.HIGH, 15)]
    assert limits("etco2-low") == [(co2, "below", 25, Priority.LOW, 60)]
    assert not any(profile.rule(a).latching for a in ("bp-low", "rr-low", "etco2-high",
                                                      "etco2-low"))
    # every limit says where its number comes from, or that it is our own reasoning
    assert all(lim.note for rule in profile.alarms for lim in rule.limits)


def test_profile_round_trips_through_json_unchanged() -> None:
    profile = default_profile()
    assert profile_from_json(profile_to_json(profile)) == profile


def test_edited_profile_saves_and_loads(tmp_path: Path) -> None:
    edited = default_profile().with_limit("spo2-low", 1, threshold=88, sustain_s=20)
    target = tmp_path / "clinic" / "room1.json"
    save_profile(edited, target)
    loaded = load_profile(target)
    assert loaded.rule("spo2-low").limits[1].threshold == 88
    assert loaded.rule("spo2-low").limits[1].sustain_s == 20
    assert loaded == edited
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind


def _record() -> dict:
    return copy.deepcopy(default_profile().as_record())


def _problems(record: object) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        profile_from_record(record)
    return caught.value.problems


def test_every_problem_in_a_profile_gets_its_own_sentence() -> None:
    record = _record()
    limit = record["alarms"][0]["limits"][1]
    limit["priority"] = "urgent"
    limit["sustain_s"] = -5
    record["alarms"][1]["limits"][0]["metrics"] = ["MDC_NOT_A_METRIC"]
    record["alarms"][2]["id"] = "spo2-low"
    problems = _problems(record)
    assert len(problems) == 4, problems
    joined = "\n".join(problems)
    assert "alarm 'spo2-low', limit 1: priority must be one of high, medium, low, advisory" \
        in joined
    assert "sustain_s must be at least 0" in joined
    assert "'MDC_NOT_A_METRIC' is not a numeric metric in the catalogue" in joined
    assert "used twice" in joined
    assert all(p.endswith(".") for p in problems)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["alarms"][0]["limits"][0].update(above=95), "exactly one of above"),
    (lambda r: r["alarms"][0]["limits"][0].update(below=150), "outside what"),
    (lambda r: r["alarms"][0]["limits"][0].update(phase="sometimes"), "phase must be one of"),
    (lambda r: r.update(audio_pause_s=3600), "audio_pause_s must be at most 120"),
    (lambda r: r["technical"]["priorities"].update(paper_jam="low"), "not a technical alarm"),
    (lambda r: r["alarms"][0].update(limits=[]), "at least one limit"),
    (lambda r: r.pop("name"), "name is missing"),
])
def test_bad_field_is_named_with_what_to_do(change: object, expected: str) -> None:
    record = _record()
    change(record)  # type: ignore[operator]
    problems = _problems(record)
    assert len(problems) == 1
    assert expected in problems[0]


def test_unreadable_file_and_bad_json_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot be read"):
        load_profile(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "alarms": [', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"not valid JSON \(line 1"):
        load_profile(broken)


def test_nurse_limit_change_is_an_event_with_old_and_new_limit() -> None:
    recorded: list[AlarmEvent] = []
    system = AlarmSystem(default_profile(), on_event=recorded.append)
    event = system.change_limit("spo2-low", 1, threshold=88, by="nurse Ana", now=50.0)
    assert recorded == [event]
    assert event.kind is AlarmEventKind.LIMIT_CHANGED
    assert event.by == "nurse Ana"
    assert event.values["old"]["below"] == 90
    assert event.values["new"]["below"] == 88
    assert system.profile.rule("spo2-low").limits[1].threshold == 88
    stored = json.loads(json.dumps(system.snapshot_profile()))
    assert profile_from_record(stored).rule("spo2-low").limits[1].threshold == 88


def test_invalid_limit_change_is_refused_and_changes_nothing() -> None:
    recorded: list[AlarmEvent] = []
    system = AlarmSystem(default_profile(), on_event=recorded.append)
    with pytest.raises(ProfileError, match="outside what"):
        system.change_limit("spo2-low", 1, threshold=180, by="nurse Ana", now=50.0)
    assert recorded == []
    assert system.profile.rule("spo2-low").limits[1].threshold == 90
