"""Console side of the Nonin serial protocols: selects the data format, then decodes it.

On connect the console sends the format-select command (STX 0x70 0x02 0x02 format ETX)
for formats #2, #7 and #8; the oximeter answers ACK (0x06) or NAK (0x15) within its
first five seconds. A NAK becomes a protocol error saying the oximeter refused the
format. A NAK seen between two frames of a locked stream, or when nothing else is
sent, is reported at once; one seen before the stream is locked could be the last
byte of a frame the console joined halfway, so it is reported only if no ACK follows
within the five seconds. No answer at all is reported only if no frames arrive
either (some modules stream a fixed format and ignore commands). The ASCII output is
listen-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.nonin.ascii_lines import AsciiLineDecoder
from drivers.nonin.codes import ACK, AVERAGINGS, REPLY_WINDOW_S, format_select_command
from drivers.nonin.decoding import Decoded, FormatDecoder
from drivers.nonin.format8 import Format8Decoder
from drivers.nonin.packets import WaveformFormatDecoder
from ketaconsole.sdk import DeviceProtocol, ErrorKind, Identity, ProtocolError, ProtocolOutput


def make_decoder(device_id: str, data_format: str, averaging: str) -> FormatDecoder:
    """The decoder for a data-format setting ("2", "7", "8" or "ascii")."""
    if data_format in ("2", "7"):
        return WaveformFormatDecoder(device_id, data_format, AVERAGINGS[averaging])
    if data_format == "8":
        return Format8Decoder(device_id)
    if data_format == "ascii":
        return AsciiLineDecoder(device_id)
    raise ValueError(f"Nonin data format must be 2, 7, 8 or ascii, not {data_format!r}")


class NoninProtocol(DeviceProtocol):
    """Selects the configured data format and decodes what the oximeter streams."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self.data_format = str(self.settings.get("format", "7"))
        self.averaging = str(self.settings.get("averaging", "display"))
        self.decoder = make_decoder(device_id, self.data_format, self.averaging)
        self._asked_at: float | None = None
        self._doubtful_nak = False
        self.reply: int | None = None
        """The oximeter's answer to the format-select command (ACK or NAK), once known."""

    def connect(self, now: float) -> bytes:
        if self.data_format == "ascii":
            return b""
        self._asked_at = now
        self._doubtful_nak = False
        self.reply = None
        self.decoder.awaiting_reply = True
        return format_select_command(self.data_format)

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        return self._output(self.decoder.feed(data, now), now)

    def tick(self, now: float) -> ProtocolOutput:
        out = self._output(self.decoder.settle(now), now)
        if (self.decoder.awaiting_reply and self._asked_at is not None
                and now - self._asked_at > REPLY_WINDOW_S):
            self.decoder.awaiting_reply = False
            if self._doubtful_nak:
                self.reply = 0x15
                out.observations.append(self._refused(now))
            elif self.decoder.frames == 0:
                out.observations.append(self.error(
                    ErrorKind.NO_REPLY, f"the oximeter did not answer the data format #"
                                f"{self.data_format} command within {REPLY_WINDOW_S:g} s "
                                "and sent no data; check that it is on, paired or cabled, "
                                "and that the cable carries data both ways", now))
        return out

    def _output(self, decoded: Decoded, now: float) -> ProtocolOutput:
        out = ProtocolOutput(decoded.observations)
        for reply in decoded.replies:
            if not self.decoder.awaiting_reply:
                break
            if reply.byte == ACK:
                self.decoder.awaiting_reply = False
                self.reply = ACK
                out.observations.insert(0, Identity(
                    self.device_id, now, model="Nonin pulse oximeter",
                    details={"data_format": f"#{self.data_format}",
                             "format_select": "acknowledged"}))
            elif reply.certain or self.decoder.frames == 0:
                self.decoder.awaiting_reply = False
                self.reply = reply.byte
                out.observations.insert(0, self._refused(now))
            else:
                self._doubtful_nak = True
        return out

    def _refused(self, now: float) -> ProtocolError:
        return self.error(
            ErrorKind.REFUSED,
            f"the oximeter refused data format #{self.data_format} (NAK); choose "
                       "a format this model supports (2, 7 or 8) in the device settings", now)
