"""Device set-up forms: a serial line's settings and a driver's own settings schema.

Each field keeps what was typed when it is wrong and shows the reason beneath it; the
checks themselves are the core's (:func:`~ketaconsole.devices.device_profiles.read_line_settings`
and :meth:`~ketaconsole.sdk.SettingField.parse`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from ketaconsole.devices.device_profiles import (
    BYTE_SIZES,
    FLOW_CONTROLS,
    PARITIES,
    ProfileProblems,
    flow_control,
    read_line_settings,
)
from ketaconsole.sdk import LineSettings, SettingError, SettingField
from ui.widgets.form_fields import FormFields

FLOW_WORDS = {"none": "No flow control", "xonxoff": "XON/XOFF (software)",
              "rtscts": "RTS/CTS (hardware)"}


def _combo(items: Mapping[str, str]) -> QComboBox:
    combo = QComboBox()
    for data, text in items.items():
        combo.addItem(text, data)
    return combo


def _stop_text(stopbits: float) -> str:
    return str(int(stopbits)) if float(stopbits).is_integer() else str(stopbits)


class LineSettingsForm(QWidget):
    """Baud rate, data bits, parity, stop bits and handshake of a serial line."""

    def __init__(self) -> None:
        super().__init__()
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = FormFields(layout)
        self.baudrate = QLineEdit()
        self.baudrate.setPlaceholderText("e.g. 9600")
        self.bytesize = _combo({str(n): str(n) for n in BYTE_SIZES})
        self.parity = _combo({code: word for code, word in PARITIES.items()})
        self.stopbits = _combo({"1": "1", "1.5": "1.5", "2": "2"})
        self.flow = _combo({key: FLOW_WORDS[key] for key in FLOW_CONTROLS})
        self.form.add("baudrate", "Baud rate", self.baudrate)
        self.form.add("bytesize", "Data bits", self.bytesize)
        self.form.add("parity", "Parity", self.parity)
        self.form.add("stopbits", "Stop bits", self.stopbits)
        self.form.add("flow", "Flow control", self.flow)

    def show_line(self, line: LineSettings) -> None:
        self.baudrate.setText(str(line.baudrate))
        self.bytesize.setCurrentIndex(self.bytesize.findData(str(line.bytesize)))
        self.parity.setCurrentIndex(self.parity.findData(line.parity))
        self.stopbits.setCurrentIndex(self.stopbits.findData(_stop_text(line.stopbits)))
        self.flow.setCurrentIndex(self.flow.findData(flow_control(line)))
        self.form.show_problems({})

    def read(self) -> tuple[LineSettings | None, dict[str, str]]:
        """The line settings as typed, or ``None`` and the problems shown beside the fields."""
        texts = {"baudrate": self.baudrate.text(), "bytesize": self.bytesize.currentData(),
                 "parity": self.parity.currentData(), "stopbits": self.stopbits.currentData(),
                 "flow": self.flow.currentData()}
        try:
            line = read_line_settings(texts)
        except ProfileProblems as refused:
            self.form.show_problems(refused.problems)
            return None, refused.problems
        self.form.show_problems({})
        return line, {}


class DriverSettingsForm(QWidget):
    """A driver's settings schema as a form: choice as a list, bool as a box, others typed."""

    def __init__(self) -> None:
        super().__init__()
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.form = FormFields(self._layout)
        self.schema: tuple[SettingField, ...] = ()
        self._none = QLabel("This driver has no settings of its own.")
        self._none.setObjectName("muted")

    def show_schema(self, schema: tuple[SettingField, ...],
                    values: Mapping[str, Any] | None = None) -> None:
        """Build the form for ``schema``, filled with ``values`` or else the defaults."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._none = QLabel("This driver has no settings of its own.")
        self._none.setObjectName("muted")
        self.form = FormFields(self._layout)
        self.schema = schema
        values = values or {}
        for setting in schema:
            value = values.get(setting.key, setting.default)
            widget: QLineEdit | QComboBox | QCheckBox
            if setting.type == "choice":
                widget = QComboBox()
                widget.addItems(list(setting.choices))
                widget.setCurrentIndex(max(0, widget.findText(str(value))))
            elif setting.type == "bool":
                widget = QCheckBox()
                widget.setChecked(_as_bool(value))
            else:
                widget = QLineEdit("" if value is None else _plain(value))
            widget.setToolTip(setting.help)
            self.form.add(setting.key, setting.label, widget)
        if not schema:
            self._layout.addRow(self._none)

    def read(self) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Each setting in its type, or ``None`` and one sentence beside each bad field."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for setting in self.schema:
            widget = self.form.fields[setting.key]
            if isinstance(widget, QCheckBox):
                values[setting.key] = widget.isChecked()
                continue
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
            try:
                values[setting.key] = setting.parse(text)
            except SettingError as exc:
                problems[setting.key] = f"{exc}; correct it and try again"
        self.form.show_problems(problems)
        return (None, problems) if problems else (values, {})


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
