"""The B. Braun BCC driver, sans I/O: the bytes it sends and the pumps it finds in a real capture.

Time is a fake clock the test passes in, so greeting retries and polls are exact.
"""

from __future__ import annotations

from itertools import pairwise

from drivers.bbraun_bcc.framing import encode_frame
from drivers.bbraun_bcc.protocol import BBraunBccProtocol
from drivers.bbraun_bcc.simulator import BBraunBccSimulator
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.sim.virtual_patient import VirtualPatient
from tests.drivers.bbraun_capture import ALIVE, PART1, PART2, PART3_AS_PUBLISHED

T0 = 1_000.0
ACK = b"\x06"
GNACK = encode_frame("ComSystem", b"0,50100,GNACK,0")


def greeted(settings: dict[str, object] | None = None) -> BBraunBccProtocol:
    protocol = BBraunBccProtocol("station", settings or {})
    protocol.connect(T0)
    protocol.feed(GNACK, T0)
    protocol.tick(T0)  # first poll
    return protocol


def statuses(found: list[Observation]) -> dict[str, PumpStatus]:
    return {o.device_id: o for o in found if isinstance(o, PumpStatus)}


def test_greeting_version_and_poll_are_byte_exact() -> None:
    protocol = BBraunBccProtocol("station", {})
    assert protocol.connect(T0) == ALIVE
    out = protocol.feed(GNACK, T0)
    assert out.send == ACK + encode_frame("ComSystem", b"ADMIN:VERSION")
    identity = next(o for o in out.observations if isinstance(o, Identity))
    assert identity.device_id == "station" and identity.details == {"bed_id": "ComSystem"}
    assert protocol.tick(T0).send == encode_frame("ComSystem", b"MEM:GET")
    assert protocol.tick(T0 + 4.9).send == b""
    assert protocol.feed(encode_frame("ComSystem", b"0,50100,V3.30"), T0 + 1).send == ACK
    assert protocol.tick(T0 + 5.0).send == encode_frame("ComSystem", b"MEM:GET")


def test_the_captured_answer_becomes_one_pump_per_slot() -> None:
    protocol = greeted()
    last_frame = encode_frame("ComSystem", PART2[21:-7], last=True)  # PART2's records, ETX
    assert last_frame[-7] == 0x03
    out = protocol.feed(PART1 + last_frame, T0 + 1)
    assert out.send == ACK + ACK
    found = out.observations
    assert [o for o in found if isinstance(o, ProtocolError)] == []
    pumps = statuses(found)
    assert set(pumps) == {"station/1-1", "station/1-3"}
    idle, running = pumps["station/1-1"], pumps["station/1-3"]
    assert idle.state is PumpState.STOPPED and idle.rate_ml_h == 0.0
    assert idle.volume_infused_ml == 0.0 and idle.syringe is None and idle.drug is None
    assert running.state is PumpState.INFUSING
    assert running.rate_ml_h == 0.3 and running.volume_infused_ml == 1.4
    assert running.drug == "Arterenol4mg/50"
    assert running.concentration_mg_ml is None  # INDCON 0: no concentration programmed
    assert running.pressure == 35.0 and running.pressure_unit == "%"
    assert running.syringe == "50 mL syringe, 47.64 mL left"
    assert running.vtbi_ml is None  # the capture has no VTBI record
    identities = {o.device_id: o for o in found if isinstance(o, Identity)}
    assert identities["station/1-1"].serial == "36248"
    assert identities["station/1-3"].serial == "40864"
    assert identities["station/1-3"].model == "688F030006"


def test_an_answer_whose_last_frame_is_broken_releases_the_whole_frames_at_once() -> None:
    protocol = greeted()
    out = protocol.feed(PART1 + PART2 + PART3_AS_PUBLISHED, T0 + 1)
    assert out.send == ACK + ACK  # the broken frame is not acknowledged
    assert [o.error for o in out.observations if isinstance(o, ProtocolError)] == ["framing"]
    assert set(statuses(out.observations)) == {"station/1-1", "station/1-3"}
    assert "station/1-4" not in {o.device_id for o in out.observations}
    later = protocol.tick(T0 + 5.0)  # the poll was answered: no "no answer", the next poll
    assert later.send == encode_frame("ComSystem", b"MEM:GET")
    assert [o for o in later.observations if isinstance(o, ProtocolError)] == []


def test_an_intact_frame_releases_the_slots_it_completed_before_the_last_frame() -> None:
    protocol = greeted()
    out = protocol.feed(PART1 + PART2, T0 + 1)
    assert set(statuses(out.observations)) == {"station/1-1"}  # 1-3 may go on
    quiet = protocol.tick(T0 + 1 + 1.0)  # a second with no byte and no last frame
    assert set(statuses(quiet.observations)) == {"station/1-3"}
    assert [o.error for o in quiet.observations if isinstance(o, ProtocolError)] == [
        "framing"]


def test_a_checksum_failure_yields_no_value_for_that_pump() -> None:
    protocol = greeted()
    corrupt = encode_frame("ComSystem", PART2[21:-7], last=True).replace(b"INRT,0.30",
                                                                         b"INRT,9.30")
    out = protocol.feed(PART1 + corrupt, T0 + 1)
    assert out.send == ACK
    assert [o.error for o in out.observations if isinstance(o, ProtocolError)] == ["checksum"]
    assert all(o.device_id != "station/1-3" for o in out.observations
               if not isinstance(o, ProtocolError))


def test_split_reads_with_junk_give_the_same_pumps() -> None:
    last_frame = encode_frame("ComSystem", PART2[21:-7], last=True)
    expected = statuses(greeted().feed(PART1 + last_frame, T0 + 1).observations)
    protocol = greeted()
    stream = b"\xffnoise" + PART1 + b"\x06" + last_frame
    found: list[Observation] = []
    for i in range(len(stream)):
        found.extend(protocol.feed(stream[i:i + 1], T0 + 1).observations)
    assert statuses(found) == expected
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["sync"]


def test_an_unanswered_greeting_is_repeated_with_a_doubling_wait() -> None:
    protocol = BBraunBccProtocol("station", {})
    assert protocol.connect(T0) == ALIVE
    assert protocol.tick(T0 + 4.9).send == b""
    again = protocol.tick(T0 + 5.0)
    assert again.send == ALIVE
    assert [o.error for o in again.observations if isinstance(o, ProtocolError)] == ["timeout"]
    assert protocol.tick(T0 + 14.9).send == b""
    assert protocol.tick(T0 + 15.0).send == ALIVE


def test_three_unanswered_polls_go_back_to_the_greeting() -> None:
    protocol = greeted({"poll_s": 2.0})
    sent = [protocol.tick(T0 + t).send for t in (2.0, 4.0, 6.0)]
    assert sent[:2] == [encode_frame("ComSystem", b"MEM:GET")] * 2
    assert sent[2] == ALIVE


def test_stuffing_setting_stuffs_what_is_sent_and_unstuffs_what_comes() -> None:
    protocol = BBraunBccProtocol("station", {"stuffing": True})
    assert protocol.connect(T0) == encode_frame("1", b"ADMIN:ALIVE", stuffing=True)
    out = protocol.feed(encode_frame("Bed", b"0,50100,GNACK,0", stuffing=True), T0)
    assert out.send == ACK + encode_frame("Bed", b"ADMIN:VERSION", stuffing=True)


def pump_frame(*records: str) -> bytes:
    return encode_frame("ComSystem", "\x1e".join(records).encode(), last=True)


def test_a_pump_alarm_flag_raises_and_clears_a_device_alarm() -> None:
    protocol = greeted()
    base = ("9,50112,INRT,5.0", "9,50112,INM3,1", "9,50112,INA1,0")
    raised = protocol.feed(pump_frame("9,50112,INRT,5.0", "9,50112,INM3,1", "9,50112,INA4,1"),
                           T0 + 1).observations
    cleared = protocol.feed(pump_frame(*base, "9,50112,INA4,0"), T0 + 6).observations
    assert [(a.code, a.active) for a in raised if isinstance(a, DeviceAlarm)] == [("INA4", True)]
    assert statuses(raised)["station/1-2"].state is PumpState.ALARM
    assert [(a.code, a.active) for a in cleared if isinstance(a, DeviceAlarm)] == [("INA4", False)]
    assert statuses(cleared)["station/1-2"].state is PumpState.INFUSING


def test_a_removed_pump_is_a_technical_alarm_until_it_is_back() -> None:
    protocol = greeted()
    removed = protocol.feed(pump_frame("9,50112,GNERR,39"), T0 + 1).observations
    back = protocol.feed(pump_frame("10,50112,GNNEW,688F030006", "10,50112,INRT,0"),
                         T0 + 6).observations
    assert [(a.device_id, a.code, a.active) for a in removed if isinstance(a, DeviceAlarm)] == [
        ("station/1-2", "pump-removed", True)]
    assert statuses(removed) == {}
    assert [(a.code, a.active) for a in back if isinstance(a, DeviceAlarm)] == [
        ("pump-removed", False)]


def test_no_value_markers_and_implausible_numbers_are_no_value() -> None:
    protocol = greeted()
    found = protocol.feed(pump_frame("9,50112,INRT,_NV", "9,50112,INVI,-5", "9,50112,INVTBI,_NA"),
                          T0 + 1).observations
    status = statuses(found)["station/1-2"]
    assert status.rate_ml_h is None and status.volume_infused_ml is None and status.vtbi_ml is None
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["value"]


class Bench:
    """Console and simulated station wired together in memory, on a fake clock."""

    def __init__(self, speed: float = 1.0, slots: int = 3) -> None:
        self.now = T0
        self.patient = VirtualPatient(start=T0, speed=speed)
        settings = {"poll_s": 1.0, "sim_slots": slots}
        self.station = BBraunBccSimulator(self.patient, settings)
        self.console = BBraunBccProtocol("station", settings)
        self.observations: list[Observation] = []
        self._to_station(self.console.connect(self.now))

    def _to_station(self, data: bytes) -> None:
        while data:
            reply = self.station.feed(data, self.now)
            out = self.console.feed(reply, self.now)
            self.observations.extend(out.observations)
            data = out.send

    def run(self, seconds: float, step: float = 0.1) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now += step
            self.station.tick(self.now)
            out = self.console.tick(self.now)
            self.observations.extend(out.observations)
            self._to_station(out.send)


def test_driver_and_simulated_station_agree_on_every_slot() -> None:
    bench = Bench(speed=60.0)
    bench.run(20.0)
    assert [o for o in bench.observations if isinstance(o, ProtocolError)] == []
    by_slot: dict[str, list[PumpStatus]] = {}
    for o in bench.observations:
        if isinstance(o, PumpStatus):
            by_slot.setdefault(o.device_id, []).append(o)
    assert set(by_slot) == {"station/1-1", "station/1-2", "station/1-3"}
    running = by_slot["station/1-1"][-1]
    assert running.state is PumpState.INFUSING and running.rate_ml_h == 52.5
    assert running.drug == "Ketamine" and running.concentration_mg_ml == 1.0
    assert running.vtbi_ml == 35.0
    assert by_slot["station/1-2"][-1].state is PumpState.STOPPED
    assert by_slot["station/1-3"][-1].state is PumpState.STANDBY
    assert len(by_slot["station/1-1"]) >= 18  # one a second


def test_two_slot_station() -> None:
    bench = Bench(slots=2)
    bench.run(3.0)
    assert {o.device_id for o in bench.observations if isinstance(o, PumpStatus)} == {
        "station/1-1", "station/1-2"}


def test_pump_counter_reset_never_takes_the_slot_ledger_backwards() -> None:
    bench = Bench(speed=60.0)
    engine = Engine(clock=lambda: bench.now)
    bench.run(20.0)
    engine.ingest(bench.observations)
    bench.observations.clear()
    ledger = engine.pump("station/1-1")
    assert ledger is not None
    before = ledger.delivered_ml
    assert 15.0 < before < 18.0
    bench.station.clear_volume("1-1", bench.now)
    totals = [before]
    for _ in range(10):
        bench.run(1.0)
        engine.ingest(bench.observations)
        bench.observations.clear()
        totals.append(ledger.delivered_ml)
    assert all(b >= a for a, b in pairwise(totals))
    assert ledger.counter_restarts == 1
    assert totals[-1] > before + 7.0
    idle = engine.pump("station/1-2")
    assert idle is not None and idle.delivered_ml == 0.0


def test_the_version_reply_does_not_count_as_the_polls_answer() -> None:
    protocol = greeted({"poll_s": 2.0})
    protocol.feed(encode_frame("ComSystem", b"0,50100,V3.30"), T0 + 0.5)
    protocol.tick(T0 + 2.0)
    protocol.feed(encode_frame("ComSystem", b"0,50100,V3.30"), T0 + 2.5)
    assert protocol.tick(T0 + 4.0).send == encode_frame("ComSystem", b"MEM:GET")
    assert protocol.tick(T0 + 6.0).send == ALIVE  # three polls unanswered, versions or not


def eight_pump_answer() -> bytes:
    """The captured slot's records for slots 1-1 to 1-8 in one frame: about 8 kB, over
    8 s of a 9600-baud line."""
    records = PART2[21:-7]
    body = b"\x1e".join(records.replace(b",50113,", b",5011%d," % slot)
                        for slot in range(1, 9))
    return encode_frame("ComSystem", body, last=True)


def test_a_long_answer_at_9600_baud_is_waited_for_not_taken_for_a_timeout() -> None:
    protocol = greeted()
    answer = eight_pump_answer()
    per_tick = 96  # 9600 baud: 960 bytes a second, a tick every 0.1 s
    assert len(answer) / (per_tick * 10) > protocol.poll_s
    found: list[Observation] = []
    sent = b""
    now = T0
    for start in range(0, len(answer), per_tick):
        now += 0.1
        out = protocol.feed(answer[start:start + per_tick], now)
        found += out.observations
        sent += out.send
        tick = protocol.tick(now)
        found += tick.observations
        sent += tick.send
    assert [o for o in found if isinstance(o, ProtocolError)] == []
    poll = encode_frame("ComSystem", b"MEM:GET")
    assert sent == ACK + poll, "no second MEM:GET until the answer is complete"
    assert sorted(statuses(found)) == [f"station/1-{n}" for n in range(1, 9)]
    assert protocol.quiet_for_s >= 2 * (now - T0), "eight pumps take longer to read"


def test_a_station_that_stops_in_the_middle_of_an_answer_still_times_out() -> None:
    protocol = greeted()
    answer = eight_pump_answer()
    assert protocol.feed(answer[:500], T0 + 1).observations == []
    assert protocol.tick(T0 + 5.5).observations == []
    timeout = protocol.tick(T0 + 6.1)
    assert [o.error for o in timeout.observations if isinstance(o, ProtocolError)] == [
        "timeout"]
    assert timeout.send == encode_frame("ComSystem", b"MEM:GET")


def test_decode_of_a_capture_cut_before_its_last_frame_gives_the_intact_frames_pumps() -> None:
    from ketaconsole.sdk import decode_capture

    for capture in (PART1 + PART2 + PART3_AS_PUBLISHED, PART1 + PART2):
        found = list(decode_capture(BBraunBccProtocol("station", {}), capture, 960.0))
        assert set(statuses(found)) == {"station/1-1", "station/1-3"}
        assert statuses(found)["station/1-3"].rate_ml_h == 0.3
