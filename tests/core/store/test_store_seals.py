"""Sealed measurements and anchored chain heads: no SQL edit of a record passes ``verify``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from ketaconsole.cli import main
from ketaconsole.devices.transport import Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric, WaveChunk
from ketaconsole.security import AuditLog
from ketaconsole.session.events import Annotation
from ketaconsole.store import Database, DatabaseUnavailable, SessionPlan, SessionService
from ketaconsole.store import open_database as open_record
from ketaconsole.store.anchors import session_chain
from ketaconsole.store.review import timeline, verify
from ketaconsole.store.seal_sweep import every_seal_holds
from ketaconsole.store.seals import SEAL_KIND, seals_of
from ketaconsole.store.timeline import chain_event, format_time

T0 = 1_790_000_000.0
SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
PLETH = "MDC_PULS_OXIM_PLETH"
SECONDS = 6


@dataclass
class Recorded:
    database: Database
    url: str
    session_id: int


@pytest.fixture
def recorded(record_url: str) -> Iterator[Recorded]:
    """Six seconds of an oximeter (SpO2, pulse, pleth, raw bytes), one commit a second."""
    database = open_record(record_url)
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="room-1", clock=lambda: T0)
    engine = Engine()
    service.recorder.attach(engine)
    for second in range(SECONDS):
        at = T0 + second
        engine.ingest([Numeric("oximeter", SPO2, 97.0 + second % 2, "%", at),
                       Numeric("oximeter", PULSE, 70.0 + second, "/min", at),
                       WaveChunk("oximeter", PLETH, tuple(float(k) for k in range(25)),
                                 25.0, "1", at)])
        service.recorder.journal("oximeter", Direction.RECEIVED, at, b"SPO2=97 PR=70\r\n")
        service.recorder.flush()
    assert service.close()
    yield Recorded(database, record_url, service.session_id)
    database.dispose()


def _sql(database: Database, statement: str, **params: object) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement), params)


def _id(database: Database, statement: str, **params: object) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(statement), params).scalar_one())


def _problem(record: Recorded) -> str:
    _, problem = verify(record.database, record.session_id)
    assert problem is not None, "verify found the record intact"
    return problem.describe()


def test_every_committed_batch_is_sealed_and_the_record_verifies(recorded: Recorded) -> None:
    events = timeline(recorded.database, recorded.session_id)
    seals = [e for e in events if e.kind == SEAL_KIND]
    assert len(seals) >= SECONDS  # one per commit that wrote rows
    assert all(len(e.payload["sha256"]) == 64 for e in seals)
    assert sum(e.payload["n"][2] for e in seals if "n" in e.payload) == 2 * SECONDS
    assert sum(e.payload["j"][2] for e in seals if "j" in e.payload) == SECONDS
    assert verify(recorded.database, recorded.session_id) == (len(events), None)
    # Seals are the chain's, not the timeline people read.
    shown = timeline(recorded.database, recorded.session_id, seals=False)
    assert SEAL_KIND not in {e.kind for e in shown}


def test_a_changed_vital_sign_is_named_with_metric_device_and_time(
        recorded: Recorded, capsys: pytest.CaptureFixture[str]) -> None:
    row = _id(recorded.database, "SELECT min(id) FROM numerics WHERE metric = :m "
              "AND received_at = :at", m=SPO2, at=T0 + 3)
    _sql(recorded.database, "UPDATE numerics SET value = 60 WHERE id = :id", id=row)
    assert _problem(recorded) == f"SpO₂ from oximeter at {format_time(T0 + 3)} was altered"
    code = main(["verify", str(recorded.session_id), "--db", recorded.url])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "SpO₂ from oximeter" in err


def test_a_moved_time_is_named(recorded: Recorded) -> None:
    row = _id(recorded.database, "SELECT min(id) FROM numerics WHERE metric = :m "
              "AND received_at = :at", m=PULSE, at=T0 + 2)
    _sql(recorded.database, "UPDATE numerics SET received_at = received_at + 30 "
         "WHERE id = :id", id=row)
    assert _problem(recorded) == f"PR from oximeter at {format_time(T0 + 32)} was altered"


def test_a_deleted_value_is_named(recorded: Recorded) -> None:
    _sql(recorded.database, "DELETE FROM numerics WHERE metric = :m AND received_at = :at",
         m=SPO2, at=T0 + 4)
    problem = _problem(recorded)
    assert problem.startswith("a measurement sealed") and problem.endswith("was deleted")


def test_an_inserted_value_is_named(recorded: Recorded) -> None:
    _sql(recorded.database, "INSERT INTO numerics (session_id, device_id, metric, value, unit, "
         "received_at) VALUES (:s, 'oximeter', :m, 99, '%', :at)",
         s=recorded.session_id, m=SPO2, at=T0 + 2.5)
    assert _problem(recorded) == (f"SpO₂ from oximeter at {format_time(T0 + 2.5)} was added "
                                  "to the record outside any sealed batch")


def test_a_zeroed_waveform_chunk_is_named(recorded: Recorded) -> None:
    row = _id(recorded.database, "SELECT min(id) FROM wave_chunks WHERE received_at >= :at",
              at=T0 + 1)
    size = _id(recorded.database, "SELECT length(data) FROM wave_chunks WHERE id = :id",
               id=row)
    _sql(recorded.database, "UPDATE wave_chunks SET data = :d WHERE id = :id",
         d=bytes(size), id=row)
    problem = _problem(recorded)
    assert problem.startswith("Pleth waveform from oximeter at") and problem.endswith(
        "was altered")


def test_zeroed_raw_bytes_are_named(recorded: Recorded) -> None:
    row = _id(recorded.database, "SELECT max(id) FROM journal_chunks")
    _sql(recorded.database, "UPDATE journal_chunks SET data = :d WHERE id = :id",
         d=bytes(15), id=row)
    problem = _problem(recorded)
    assert problem.startswith("raw bytes from oximeter at") and problem.endswith("was altered")


TAMPERING = {
    "changed value": "UPDATE numerics SET value = value + 1 WHERE id = "
                     "(SELECT max(id) FROM numerics WHERE session_id = :s)",
    "deleted value": "DELETE FROM numerics WHERE id = "
                     "(SELECT min(id) FROM numerics WHERE session_id = :s)",
    "value renumbered past the last seal": "UPDATE numerics SET id = id + 100000 WHERE id = "
                                           "(SELECT min(id) FROM numerics WHERE session_id = :s)",
    "value added after the last seal": "INSERT INTO numerics (session_id, device_id, metric, "
                                       "value, unit, received_at) VALUES "
                                       "(:s, 'oximeter', 'MDC_PULS_OXIM_SAT_O2', 99, '%', 1)",
    "zeroed wave": "UPDATE wave_chunks SET data = zeroblob(length(data)) WHERE id = "
                   "(SELECT min(id) FROM wave_chunks WHERE session_id = :s)",
    "raw bytes of another device": "UPDATE journal_chunks SET device_id = 'pump' WHERE id = "
                                   "(SELECT max(id) FROM journal_chunks WHERE session_id = :s)",
}


@pytest.mark.parametrize("what", TAMPERING)
def test_the_one_sweep_proves_a_whole_record_and_refuses_any_edit(recorded: Recorded,
                                                                  what: str) -> None:
    seals = seals_of(timeline(recorded.database, recorded.session_id))
    assert every_seal_holds(recorded.database, recorded.session_id, seals)
    statement = TAMPERING[what]
    if not recorded.database.is_sqlite:
        statement = statement.replace("zeroblob(length(data))",
                                      "decode(repeat('00', length(data)), 'hex')")
    _sql(recorded.database, statement, s=recorded.session_id)
    assert not every_seal_holds(recorded.database, recorded.session_id, seals)
    assert _problem(recorded)  # and the seal-by-seal check names it


def test_a_session_without_seals_still_verifies_its_chain(database: Database) -> None:
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r")
    service.record(Annotation("calm"), author="nurse.kim")
    assert service.close()
    count, problem = verify(database, service.session_id)
    assert problem is None and count == len(timeline(database, service.session_id))


# -- anchors -------------------------------------------------------------------------------


def _anchor_lines(record: Recorded) -> list[str]:
    anchors = record.database.anchors
    assert anchors is not None
    return anchors.path(session_chain(record.session_id)).read_text().splitlines()


def test_each_commit_anchors_the_chain_head_outside_the_database(recorded: Recorded) -> None:
    events = timeline(recorded.database, recorded.session_id)
    lines = _anchor_lines(recorded)
    assert len(lines) >= SECONDS
    seq, head, _, mac = lines[-1].split(" ")
    assert (int(seq), head, mac) == (events[-1].seq, events[-1].hash, "-")


@pytest.mark.parametrize("removed", [1, 3, "all"])
def test_a_shortened_record_is_caught_by_the_anchor_log(recorded: Recorded,
                                                         removed: int | str) -> None:
    events = timeline(recorded.database, recorded.session_id)
    keep = 0 if removed == "all" else len(events) - int(removed)
    _sql(recorded.database, "DELETE FROM timeline_events WHERE session_id = :s AND seq > :k",
         s=recorded.session_id, k=keep)
    if keep:
        last_seal = [e for e in events[:keep] if e.kind == SEAL_KIND][-1].payload
        for table, key in (("numerics", "n"), ("wave_chunks", "w"), ("journal_chunks", "j")):
            if key in last_seal:
                _sql(recorded.database, f"DELETE FROM {table} WHERE id > :last",
                     last=last_seal[key][1])
    else:
        for table in ("numerics", "wave_chunks", "journal_chunks"):
            _sql(recorded.database, f"DELETE FROM {table}")
    problem = _problem(recorded)
    assert problem.startswith(f"the record ends at event {keep}; the anchor log saw "
                              f"{len(events)} at ")


def test_a_deleted_session_is_reported_as_removed(
        recorded: Recorded, capsys: pytest.CaptureFixture[str]) -> None:
    events = timeline(recorded.database, recorded.session_id)
    for table in ("timeline_events", "numerics", "wave_chunks", "journal_chunks", "sessions"):
        column = "id" if table == "sessions" else "session_id"
        _sql(recorded.database, f"DELETE FROM {table} WHERE {column} = :s",
             s=recorded.session_id)
    assert _problem(recorded) == (
        f"the whole session was removed from the record (its anchor log saw its chain reach "
        f"event {len(events)} at {format_time(events[-1].at)})")
    code = main(["verify", str(recorded.session_id), "--db", recorded.url])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"ketaconsole: session {recorded.session_id}: the whole session was "
                          "removed from the record")
    # A session that never was is still just not there.
    assert main(["verify", "99", "--db", recorded.url]) == 1
    assert "there is no session 99" in capsys.readouterr().err


def _recompute_after_editing_a_note(record: Recorded) -> None:
    """What someone with the database but not the key can do: edit, then re-chain."""
    events = timeline(record.database, record.session_id)
    start = next(e for e in events if e.kind == "session_start")
    _sql(record.database, "DELETE FROM timeline_events WHERE session_id = :s",
         s=record.session_id)
    prev = "0" * 64
    for event in events:
        payload = dict(event.payload, weight_kg=55.0) if event is start else event.payload
        again = chain_event(event.session_id, event.seq, event.at, event.kind, event.author,
                            payload, event.corrects, prev)
        prev = again.hash
        with record.database.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO timeline_events (session_id, seq, at, kind, author, payload, "
                "corrects, prev_hash, hash) VALUES (:s, :q, :a, :k, :w, :p, :c, :v, :h)"),
                {"s": again.session_id, "q": again.seq, "a": again.at, "k": again.kind,
                 "w": again.author, "p": json.dumps(again.payload),
                 "c": again.corrects, "v": again.prev_hash, "h": again.hash})


def test_a_chain_recomputed_after_an_edit_no_longer_matches_its_anchors(
        recorded: Recorded) -> None:
    _recompute_after_editing_a_note(recorded)
    problem = _problem(recorded)
    assert problem.startswith("event ") and "of the record is not the event the anchor " \
        "log saw" in problem


def test_with_a_key_a_rewritten_anchor_log_is_found_out(record_url: str,
                                                       private_home: Path) -> None:
    private_home.mkdir(parents=True, exist_ok=True)
    key = private_home / "anchor.key"
    key.write_bytes(os.urandom(32).hex().encode())
    key.chmod(0o600)
    database = open_record(record_url)
    try:
        service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                       station="room-1", clock=lambda: T0)
        service.record(Annotation("calm"), author="nurse.kim")
        assert service.close()
        record = Recorded(database, record_url, service.session_id)
        lines = _anchor_lines(record)
        assert all(len(line.split(" ")[3]) == 64 for line in lines)  # an HMAC on each
        assert verify(database, service.session_id)[1] is None
        _recompute_after_editing_a_note(record)
        # The forger rewrites the anchor log to match, without the key.
        events = timeline(database, service.session_id)
        anchors = database.anchors
        assert anchors is not None
        forged = "".join(f"{e.seq} {e.hash} {e.at!r} {'0' * 64}\n" for e in events)
        anchors.path(session_chain(service.session_id)).write_text(forged)
        problem = _problem(record)
        assert problem == ("line 1 of the anchor log of the record does not carry a valid "
                           "HMAC under the anchor key; the log was rewritten")
    finally:
        database.dispose()


def test_an_anchor_key_others_can_read_is_refused(record_url: str,
                                                  private_home: Path) -> None:
    private_home.mkdir(parents=True, exist_ok=True)
    key = private_home / "anchor.key"
    key.write_text("a secret")
    key.chmod(0o644)
    with pytest.raises(DatabaseUnavailable, match=r"chmod 600"):
        open_record(record_url)


def test_a_shortened_audit_trail_is_caught_by_its_anchors(database: Database) -> None:
    audit = AuditLog(database)
    for n in range(5):
        audit.record("record_opened", actor="nurse.kim", target=f"session {n + 1}")
    assert audit.verify() is None
    _sql(database, "DELETE FROM audit_log WHERE seq > 3")
    problem = audit.verify()
    assert problem is not None
    assert problem.describe().startswith("the audit trail ends at entry 3; the anchor log "
                                         "saw 5 at ")
    _sql(database, "DELETE FROM audit_log")
    problem = audit.verify()
    assert problem is not None and problem.describe().startswith(
        "the audit trail ends at entry 0")

