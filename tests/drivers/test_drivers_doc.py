"""The driver guide's example driver works as written: its protocol, simulator and
registration blocks, run together, talk to each other and decode the patient."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import Numeric
from ketaconsole.sdk.testing import expected_protocol

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "drivers.md"


def guide_example() -> dict[str, Any]:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    code = "\n".join(b for b in blocks if "class Thermometer" in b or "DRIVER = " in b)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    return namespace


def test_the_guides_thermometer_decodes_its_own_simulator() -> None:
    driver = guide_example()["DRIVER"]
    talk = converse(driver, 5.0)
    temperatures = [o.value for o in talk.observations if isinstance(o, Numeric)]
    assert len(temperatures) >= 4 and all(35.0 < (t or 0) < 40.0 for t in temperatures)


def test_the_guides_thermometer_passes_a_conversation_and_rejects_a_bad_line() -> None:
    protocol = guide_example()["ThermometerProtocol"]("t", {})
    seen = expected_protocol(protocol, [(b"", b"TEMP=36.6\r\nTEMP=3.66\r\nTEMP=--.-\r\n", 0.0)])
    assert [(type(o).__name__, getattr(o, "value", None)) for o in seen] == [
        ("Numeric", 36.6), ("ProtocolError", None), ("Numeric", None)]
