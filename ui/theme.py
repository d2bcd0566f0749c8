"""The console's look: a dark theme readable at 2 m in a dimmed room, and alarm colours.

Colour encodes alarm priority only: the alarm colours (red, yellow, cyan) and flash rates
follow IEC 60601-1-8 as CLINICAL.md section 4 applies it, and no value is drawn in them
at rest. Each metric has its own neutral resting colour (pulse green, SpO2 blue,
pressure white), distinct per series in trends.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#0b0e12"
PANEL = "#141a21"
PANEL_EDGE = "#243040"
TEXT = "#e6edf3"
MUTED = "#8b98a5"
STALE = "#5c6670"

METRIC_COLOURS: dict[str, str] = {
    "MDC_ECG_HEART_RATE": "#4ade80",
    "MDC_PULS_OXIM_PULS_RATE": "#a7f3d0",
    "MDC_PULS_OXIM_SAT_O2": "#60a5fa",
    "MDC_PULS_OXIM_PLETH": "#60a5fa",
    "MDC_PRESS_BLD_NONINV_SYS": "#f1f5f9",
    "MDC_PRESS_BLD_NONINV_DIA": "#94a3b8",
    "MDC_PRESS_BLD_NONINV_MEAN": "#cbd5e1",
    "MDC_RESP_RATE": "#f0abfc",
    "MDC_AWAY_CO2_ET": "#fdba74",
    "MDC_TEMP_BODY": "#bef264",
    "MDC_PULS_OXIM_PERF_REL": "#93c5fd",
    "MDC_FLOW_FLUID_PUMP": "#c4b5fd",
}
"""Resting colours: never an alarm colour, and no two series of a trend alike."""

LINK_COLOURS = {"connected": "#4ade80", "connecting": "#facc15", "no_data": "#fb923c",
                "disconnected": "#f87171"}

ALARM_HIGH = "#dc2626"
ALARM_MEDIUM = "#eab308"
ALARM_LOW = "#06b6d4"

STYLE_SHEET = f"""
QWidget {{ background: {BACKGROUND}; color: {TEXT}; }}
QFrame#panel {{ background: {PANEL}; border: 1px solid {PANEL_EDGE}; border-radius: 6px; }}
QLabel {{ background: transparent; }}
QLabel#muted {{ color: {MUTED}; }}
QProgressBar {{ background: {BACKGROUND}; border: 1px solid {PANEL_EDGE}; border-radius: 4px;
               height: 14px; text-align: center; color: {TEXT}; }}
QProgressBar::chunk {{ background: #7c6cf0; border-radius: 3px; }}
QPushButton {{ background: #1f2937; border: 1px solid {PANEL_EDGE}; border-radius: 6px;
              padding: 8px 14px; }}
QPushButton:focus {{ border: 2px solid #38bdf8; }}
QPushButton:disabled {{ color: {STALE}; }}
QLineEdit, QComboBox, QSpinBox {{ background: {BACKGROUND}; border: 1px solid {PANEL_EDGE};
    border-radius: 4px; padding: 4px 6px; }}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus {{ border: 2px solid #38bdf8; }}
QListWidget {{ background: {BACKGROUND}; border: 1px solid {PANEL_EDGE}; border-radius: 4px; }}
QTabWidget::pane {{ border: 1px solid {PANEL_EDGE}; border-radius: 6px; }}
QTabBar::tab {{ background: {PANEL}; border: 1px solid {PANEL_EDGE}; padding: 6px 8px;
    border-top-left-radius: 6px; border-top-right-radius: 6px; }}
QTabBar::tab:selected {{ background: #1f2937; font-weight: bold; }}
QScrollArea {{ border: none; background: transparent; }}
QCheckBox::indicator {{ width: 18px; height: 18px; border: 1px solid {MUTED};
    border-radius: 3px; background: {BACKGROUND}; }}
QCheckBox::indicator:checked {{ background: #38bdf8; border: 1px solid #38bdf8; }}
"""


def metric_colour(refid: str) -> str:
    return METRIC_COLOURS.get(refid, TEXT)


def apply_theme(app: QApplication) -> None:
    """Dark palette and style sheet for the whole application."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Base, QColor(PANEL))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor("#1f2937"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    app.setPalette(palette)
    app.setFont(font(15))
    app.setStyleSheet(STYLE_SHEET)


def font(pixel_size: int, *, bold: bool = False, mono: bool = False) -> QFont:
    f = QFont("DejaVu Sans Mono" if mono else "DejaVu Sans")
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    return f
