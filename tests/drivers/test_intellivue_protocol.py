"""The IntelliVue driver's dialogue on a test clock: time-outs, back-off, keep-alive, release.

No port and no thread: the driver's ``tick`` and ``feed`` are called with chosen times,
and what it sends is read back frame by frame.
"""

from __future__ import annotations

from itertools import pairwise

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.framing import FrameReader, encode_frame
from drivers.intellivue_mib.messages import (
    AssociationRequested,
    EventReportResult,
    Message,
    PollRequest,
    association_result,
    parse,
)
from drivers.intellivue_mib.protocol import (
    ASSOCIATION_TIMEOUT_S,
    KEEP_ALIVE_S,
    REPOLL_EVERY_S,
    IntelliVueProtocol,
    Phase,
)
from ketaconsole.observations import LinkState, LinkStatus, Numeric, Observation, ProtocolError
from ketaconsole.sdk import ProtocolOutput
from tests.drivers.intellivue_vectors import (
    RELEASE_REQUEST_VSCAPTURE,
    mds_create_event,
    numerics_result,
    polling_protocol,
)


def messages(data: bytes) -> list[Message]:
    return [parse(f) for f in FrameReader().feed(data) if isinstance(f, bytes)]


def kinds(data: bytes) -> list[str]:
    return [type(m).__name__ for m in messages(data)]


def errors(observations: list[Observation]) -> list[str]:
    return [o.error for o in observations if isinstance(o, ProtocolError)]


def links(observations: list[Observation]) -> list[tuple[LinkStatus, str]]:
    return [(o.status, o.detail) for o in observations if isinstance(o, LinkState)]


def run(protocol: IntelliVueProtocol, start: float, end: float,
        step: float = 0.1) -> list[tuple[float, ProtocolOutput]]:
    """Tick from ``start`` to ``end``; the outputs that sent or reported anything."""
    happened = []
    now = start
    while now <= end + 1e-9:
        out = protocol.tick(round(now, 3))
        if out.send or out.observations:
            happened.append((round(now, 3), out))
        now += step
    return happened


def test_connect_sends_only_the_association_request() -> None:
    assert kinds(IntelliVueProtocol("mon", {}).connect(0.0)) == ["AssociationRequested"]


def test_no_association_result_retries_with_a_growing_back_off() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    happened = run(protocol, 0.0, 30.0)
    failures = [t for t, out in happened if errors(out.observations) == ["timeout"]]
    retries = [t for t, out in happened if out.send]
    assert failures == [5.0, 11.0, 18.0, 27.0]
    assert retries == [6.0, 13.0, 22.0], "back-off of 1, 2, 4 s after each time-out"
    for _, out in happened:
        if out.send:
            assert kinds(out.send) == ["Aborted", "AssociationRequested"], (
                "a retry first clears any half-open association")
    first = next(out for t, out in happened if t == 5.0)
    assert links(first.observations) == [(
        LinkStatus.CONNECTING,
        f"no association result within {ASSOCIATION_TIMEOUT_S:g} s; associating again in 1 s")]


def test_back_off_stops_growing_at_thirty_seconds() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    happened = run(protocol, 0.0, 400.0, step=0.5)
    retries = [t for t, out in happened if out.send]
    gaps = [b - a for a, b in pairwise(retries)]
    assert max(gaps) == ASSOCIATION_TIMEOUT_S + 30.0
    assert gaps[-1] == gaps[-2] == ASSOCIATION_TIMEOUT_S + 30.0


def test_an_accepted_association_without_mds_event_times_out_too() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    out = protocol.feed(encode_frame(association_result()), 1.0)
    assert links(out.observations) == [(LinkStatus.CONNECTED, "association accepted")]
    happened = run(protocol, 1.0, 7.0)
    assert [(t, errors(o.observations)) for t, o in happened if o.observations] == [
        (6.0, ["timeout"])]


def test_a_refused_association_is_an_error_and_is_retried() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    out = protocol.feed(encode_frame(codes.REFUSE), 0.3)
    assert errors(out.observations) == ["association"]
    assert protocol.phase is Phase.BACKING_OFF
    assert kinds(protocol.tick(1.3).send) == ["Aborted", "AssociationRequested"]


def test_the_mds_create_event_is_confirmed_once_polling() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    protocol.feed(encode_frame(association_result()), 0.2)
    out = protocol.feed(encode_frame(mds_create_event(invoke_id=7)), 0.4)
    sent = messages(out.send)
    assert isinstance(sent[0], EventReportResult) and sent[0].invoke_id == 7
    assert [type(m) for m in sent[1:]] == [PollRequest, PollRequest, PollRequest]
    assert [m.object_code for m in sent[1:] if isinstance(m, PollRequest)] == [
        codes.NOM_MOC_VMO_METRIC_NU, codes.NOM_MOC_VMO_METRIC_SA_RT, codes.NOM_MOC_VMO_AL_MON]


def polls_over(protocol: IntelliVueProtocol, start: float,
               end: float) -> list[tuple[float, PollRequest]]:
    """Every poll the driver sends while the monitor answers each second."""
    sent: list[tuple[float, PollRequest]] = []
    now = start
    while now < end:
        now = round(now + 0.1, 3)
        if abs(now - round(now)) < 1e-9:
            protocol.feed(encode_frame(numerics_result()), now)
        out = protocol.tick(now)
        assert errors(out.observations) == []
        for message in messages(out.send):
            assert isinstance(message, PollRequest)
            sent.append((now, message))
    return sent


def test_polls_are_repeated_so_the_console_is_never_silent_for_the_keep_alive() -> None:
    protocol = polling_protocol()  # the three polls went out at t = 1
    sent = polls_over(protocol, 1.0, 61.0)
    times = [1.0, *sorted({t for t, _ in sent})]
    assert max(b - a for a, b in pairwise(times)) <= KEEP_ALIVE_S
    for code in (codes.NOM_MOC_VMO_METRIC_NU, codes.NOM_MOC_VMO_METRIC_SA_RT,
                 codes.NOM_MOC_VMO_AL_MON):
        mine = [1.0, *(t for t, p in sent if p.object_code == code)]
        assert len(mine) >= 6
        assert max(b - a for a, b in pairwise(mine)) <= REPOLL_EVERY_S
    assert {p.period for _, p in sent} == {30 * codes.RELATIVE_TIME_PER_S}, (
        "each poll asks for 30 s of results, three times the re-poll interval")


def test_each_poll_has_a_new_invoke_id_and_poll_number() -> None:
    sent = [p for _, p in polls_over(polling_protocol(), 1.0, 31.0)]
    assert [p.invoke_id for p in sent] == list(range(4, 4 + len(sent)))
    assert [p.poll_number for p in sent] == list(range(4, 4 + len(sent)))


def test_poll_results_that_stop_are_a_time_out_and_a_new_association() -> None:
    protocol = polling_protocol()
    protocol.feed(encode_frame(numerics_result()), 2.0)
    happened = run(protocol, 2.1, 9.0)
    timed_out = [(t, out) for t, out in happened if errors(out.observations)]
    assert [t for t, _ in timed_out] == [7.1]
    assert links(timed_out[0][1].observations) == [
        (LinkStatus.CONNECTING, "no poll result for 5 s; associating again in 1 s")]
    assert [kinds(out.send) for t, out in happened if t > 7.1 and out.send] == [
        ["Aborted", "AssociationRequested"]]


def test_a_good_poll_result_resets_the_back_off() -> None:
    protocol = polling_protocol()
    protocol.failures = 4
    protocol.feed(encode_frame(numerics_result()), 2.0)
    assert protocol.failures == 0


def test_an_abort_from_the_monitor_reports_the_link_and_associates_again() -> None:
    protocol = polling_protocol()
    out = protocol.feed(encode_frame(codes.ABORT), 3.0)
    assert errors(out.observations) == []
    assert links(out.observations) == [
        (LinkStatus.CONNECTING, "the monitor aborted the association; associating again in 1 s")]
    again = protocol.tick(4.0)
    assert isinstance(messages(again.send)[-1], AssociationRequested)


def test_a_release_request_from_the_monitor_is_answered_and_followed_by_reassociation() -> None:
    protocol = polling_protocol()
    out = protocol.feed(encode_frame(codes.RELEASE_REQUEST), 3.0)
    assert kinds(out.send) == ["Released"]
    assert protocol.phase is Phase.BACKING_OFF


def test_a_capture_replayed_without_a_dialogue_still_decodes_its_values() -> None:
    protocol = IntelliVueProtocol("capture", {})  # no connect(): ``ketaconsole decode``
    capture = b"".join(encode_frame(m) for m in (
        association_result(), mds_create_event(), numerics_result(hr=64)))
    out = protocol.feed(capture, 0.0)
    heart_rates = [o.value for o in out.observations
                   if isinstance(o, Numeric) and o.metric == "MDC_ECG_HEART_RATE"]
    assert heart_rates == [64.0]
    assert errors(out.observations) == []


def test_a_remote_error_is_reported() -> None:
    protocol = polling_protocol()
    error = bytes.fromhex("e1000002" "0003" "0006" "0005" "0002" "0000")
    out = protocol.feed(encode_frame(error), 2.0)
    assert errors(out.observations) == ["remote"]


def test_release_goes_out_on_disconnect_and_the_driver_stops_polling() -> None:
    protocol = polling_protocol()
    assert protocol.disconnect(5.0) == encode_frame(RELEASE_REQUEST_VSCAPTURE)
    assert protocol.phase is Phase.IDLE
    assert run(protocol, 5.0, 40.0) == []
