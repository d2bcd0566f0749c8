"""The technician's Devices screen: drivers, ports, settings, a live connection test, profiles.

Nothing here opens a port or the database on the GUI thread: port discovery and every
profile read or change run on worker threads (:class:`~ui.widgets.background.BackgroundCalls`),
and the connection test runs the driver on its link's own thread. Every profile change
goes through the guarded services (:class:`~ketaconsole.security.services.AuthorisedConsole`:
the role is checked and the change audited); someone who may not change profiles sees
the Profiles page read-only (:mod:`ui.devices.profiles_page`).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.devices.device_profiles import (
    DeviceSetup,
    ProfileProblems,
    read_primary_for,
    setup_problems,
)
from ketaconsole.devices.port_discovery import SerialPort, serial_ports
from ketaconsole.devices.registry import DriverRegistry
from ketaconsole.sdk import DriverInfo, LineSettings
from ketaconsole.store import Database
from ui import theme
from ui.devices.connection_check import ConnectionCheck
from ui.devices.device_forms import DriverSettingsForm, LineSettingsForm
from ui.devices.page_labels import heading, message_line
from ui.devices.profiles_page import ProfileDoor, ProfilesPage
from ui.widgets.background import BackgroundCalls
from ui.widgets.form_fields import FormFields

NARROW_BELOW_PX = 760
"""Below this width the driver list goes above the set-up instead of beside it."""
PORT_HINT = "/dev/ttyUSB0, COM3, socket://host:4001, rfc2217://host:2217"


def driver_details(info: DriverInfo) -> str:
    """A driver's metadata as the technician reads it (rich text)."""
    protocol = ("published by the maker" if info.published
                else "not published by the maker; read from the device's own output")
    rows = [("Driver", info.slug), ("Vendor", info.vendor),
            ("Models", ", ".join(info.models) or "\u2014"), ("Kind", info.kind.value),
            ("Protocol", protocol), ("Line", info.line.describe())]
    if info.default_port:
        rows.append(("Usual port", info.default_port))
    body = "".join(f"<tr><td style='color:{theme.MUTED}; padding-right:10px'>{html.escape(k)}"
                   f"</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    # the driver's sources (and how its protocol was worked out) are in its own docs and
    # in 'ketaconsole drivers', not on a screen a nurse may read
    return f"<b>{html.escape(info.title)}</b><table>{body}</table>"


class DevicesScreen(QWidget):
    """Choose a driver and a port, set the line, test the connection, keep it as a profile."""

    def __init__(self, registry: DriverRegistry, database: Database | None,
                 door: ProfileDoor | None, *, room: str = "") -> None:
        super().__init__()
        self.registry = registry
        self.ports: list[SerialPort] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._call_done)
        self.calls.failed.connect(self._call_failed)
        self._build(database, door, room)
        self._fill_drivers()
        self.refresh_ports()
        self.profile_page.refresh()

    # -- layout ----------------------------------------------------------------------

    def _build(self, database: Database | None, door: ProfileDoor | None, room: str) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.split = split
        split.addWidget(self._driver_column())
        self.tabs = QTabWidget()
        self.tabs.addTab(self._setup_page(), "Port and settings")
        self.test = ConnectionCheck()
        self.test.stopped.connect(self._test_stopped)
        test_page = QWidget()
        test_column = QVBoxLayout(test_page)
        test_column.addWidget(self.test)
        self.tabs.addTab(test_page, "Test connection")
        self.profile_page = ProfilesPage(database, door, self.calls, room=room)
        self.profile_page.save_wanted.connect(self.save_current)
        self.profile_page.load_wanted.connect(self.load_chosen)
        self.tabs.addTab(self.profile_page, "Profiles")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        outer.addWidget(split)

    def _driver_column(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(heading("Drivers"))
        self.drivers = QListWidget()
        self.drivers.setWordWrap(True)
        self.drivers.setSpacing(3)
        self.drivers.currentItemChanged.connect(self._driver_chosen)
        column.addWidget(self.drivers, 2)
        self.details = QLabel("Choose a driver to see what it talks to.")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setWidget(self.details)
        column.addWidget(details_scroll, 3)
        return box

    def _setup_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(heading("Port"))
        ports_row = QHBoxLayout()
        self.found_ports = QComboBox()
        self.found_ports.setPlaceholderText("Searching for ports\u2026")
        self.found_ports.activated.connect(self._port_picked)
        ports_row.addWidget(self.found_ports, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_ports)
        ports_row.addWidget(self.refresh_button)
        column.addLayout(ports_row)
        port_form = QFormLayout()
        self.port_fields = FormFields(port_form)
        self.port = QLineEdit()
        self.port.setPlaceholderText(PORT_HINT)
        self.port_fields.add("port", "Port or URL", self.port)
        column.addLayout(port_form)
        column.addWidget(heading("Line settings"))
        self.line_form = LineSettingsForm()
        column.addWidget(self.line_form)
        column.addWidget(heading("Driver settings"))
        self.settings_form = DriverSettingsForm()
        column.addWidget(self.settings_form)
        self.setup_message = message_line()
        column.addWidget(self.setup_message)
        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.start_test)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addStretch(1)
        page.setMaximumWidth(720)
        holder = QWidget()
        holder_row = QHBoxLayout(holder)
        holder_row.setContentsMargins(0, 0, 0, 0)
        holder_row.addWidget(page)
        holder_row.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        return scroll

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.show_rights()

    def show_rights(self) -> None:
        """What the person now at the console may do here (a new person after the lock)."""
        self.profile_page.show_rights()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side when there is room; drivers above the set-up in a narrow panel."""
        narrow = event.size().width() < NARROW_BELOW_PX
        wanted = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if self.split.orientation() != wanted:
            self.split.setOrientation(wanted)
            extent = event.size().height() if narrow else event.size().width()
            self.split.setSizes([extent * 2 // 5, extent * 3 // 5])
        super().resizeEvent(event)

    # -- drivers -----------------------------------------------------------------------

    def _fill_drivers(self) -> None:
        for installed in self.registry.installed():
            info = installed.driver.info
            item = QListWidgetItem(f"{info.title}\n{info.slug} \u00b7 {info.kind.value}")
            item.setData(Qt.ItemDataRole.UserRole, info.slug)
            self.drivers.addItem(item)
        for broken in self.registry.broken:
            item = QListWidgetItem(f"{broken.name} \u2014 cannot be loaded: {broken.error}")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setForeground(Qt.GlobalColor.red)
            item.setToolTip(f"from {broken.distribution or 'an unknown package'}")
            self.drivers.addItem(item)
        for plugin in getattr(self.registry, "not_allowed", []):
            item = QListWidgetItem(f"{plugin.name} \u2014 plugin {plugin.distribution} "
                                   f"{plugin.version} is not on the clinic's allow-list")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.drivers.addItem(item)
        if self.registry.slugs:
            self.drivers.setCurrentRow(0)

    @property
    def driver_info(self) -> DriverInfo | None:
        item = self.drivers.currentItem()
        slug = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return self.registry.get(slug).info if slug else None

    def choose_driver(self, slug: str) -> bool:
        for row in range(self.drivers.count()):
            if self.drivers.item(row).data(Qt.ItemDataRole.UserRole) == slug:
                self.drivers.setCurrentRow(row)
                return True
        return False

    def _driver_chosen(self, *_: object) -> None:
        info = self.driver_info
        if info is None:
            return
        self.details.setText(driver_details(info))
        self.line_form.show_line(info.line)
        self.settings_form.show_schema(info.settings)
        self._follow_baud_setting()
        if info.default_port and not self.port.text().strip():
            self.port.setText(info.default_port)
        self.setup_message.setText("")

    def _follow_baud_setting(self) -> None:
        """A driver with a baud-rate setting of its own keeps the line's baud rate in step."""
        baud = self.settings_form.form.fields.get("baudrate")
        if isinstance(baud, QComboBox):
            baud.currentTextChanged.connect(self.line_form.baudrate.setText)
        elif isinstance(baud, QLineEdit):
            baud.textEdited.connect(self.line_form.baudrate.setText)

    # -- ports -------------------------------------------------------------------------

    def refresh_ports(self) -> None:
        self.refresh_button.setEnabled(False)
        self.calls.run(serial_ports, tag="ports")

    def _show_ports(self, ports: list[SerialPort]) -> None:
        self.ports = ports
        self.found_ports.clear()
        for port in ports:
            self.found_ports.addItem(port.describe(), port.device)
        self.found_ports.setPlaceholderText(
            "Choose a port found on this machine" if ports
            else "No serial ports found: type a port or a URL below")
        self.found_ports.setCurrentIndex(-1)
        self.refresh_button.setEnabled(True)

    def _port_picked(self, index: int) -> None:
        device = self.found_ports.itemData(index)
        if device:
            self.port.setText(str(device))

    # -- the set-up as typed -----------------------------------------------------------

    def read_setup(self, *, for_profile: bool) -> DeviceSetup | None:
        """The set-up as typed, or ``None`` with every problem shown beside its field."""
        info = self.driver_info
        names = self.profile_page
        line, line_problems = self.line_form.read()
        settings, setting_problems = self.settings_form.read()
        port = self.port.text().strip()
        primary_problem: dict[str, str] = {}
        try:
            primary_for = read_primary_for(names.primary_for.text())
        except ProfileProblems as exc:
            primary_for, primary_problem = (), exc.problems
        setup = DeviceSetup(names.profile_name.text().strip(), names.room.text().strip(),
                            info.slug if info else "", port,
                            line or (info.line if info else LineSettings()), settings or {},
                            primary_for)
        problems = {**setup_problems(setup), **primary_problem}
        if not for_profile:
            problems = {k: v for k, v in problems.items() if k in ("port", "slug")}
        self.port_fields.show_problems({"port": problems.get("port", "")}
                                       if "port" in problems else {})
        names.profile_fields.show_problems({k: v for k, v in problems.items()
                                            if k in ("room", "name", "primary_for")})
        if "slug" in problems:
            self.setup_message.setText(problems["slug"])
        elif line_problems or setting_problems:
            self.setup_message.setText("Correct the fields marked above.")
        else:
            self.setup_message.setText("")
        if problems or line_problems or setting_problems:
            if for_profile and (line_problems or setting_problems or "port" in problems):
                names.say("The set-up has mistakes; correct the fields marked on the Port "
                          "and settings page.")
            return None
        return setup

    # -- connection test ---------------------------------------------------------------

    def start_test(self) -> None:
        if self.test.running:
            return
        setup = self.read_setup(for_profile=False)
        info = self.driver_info
        if setup is None or info is None:
            return
        self.test_button.setEnabled(False)
        self.test.start(self.registry.get(info.slug), setup.port, setup.settings, setup.line)
        self.tabs.setCurrentIndex(1)

    def _test_stopped(self) -> None:
        self.test_button.setEnabled(True)

    # -- profiles ----------------------------------------------------------------------

    def save_current(self) -> None:
        """Keep the set-up as typed as the profile named on the Profiles page."""
        setup = self.read_setup(for_profile=True)
        if setup is not None:
            self.profile_page.save(setup)

    def load_chosen(self) -> None:
        """Fill the set-up from the profile chosen on the Profiles page."""
        names = self.profile_page
        chosen = names.chosen_profile()
        if chosen is None:
            names.say("Choose a profile in the list first.")
            return
        setup = chosen.setup
        if not self.choose_driver(setup.slug):
            names.say(f"Profile {setup.name!r} needs driver {setup.slug}, which is not "
                      "installed here; install it or choose another profile.")
            return
        info = self.driver_info
        assert info is not None
        self.port.setText(setup.port)
        self.settings_form.show_schema(info.settings, setup.settings)
        self._follow_baud_setting()
        self.line_form.show_line(setup.line)
        names.show_names(setup)
        names.say(f"Loaded {setup.name!r} of {setup.room}.")
        self.tabs.setCurrentIndex(0)

    # -- answers from the worker threads (the Profiles page takes its own) ---------------

    def _call_done(self, result: Any, tag: object) -> None:
        if tag == "ports":
            self._show_ports(result)

    def _call_failed(self, exc: Exception, tag: object) -> None:
        if tag == "ports":
            self._show_ports([])
            self.found_ports.setPlaceholderText(f"Ports could not be listed ({exc}); type "
                                                "the port below")

    def shutdown(self, timeout: float = 5.0) -> None:
        """Close a running test's port and wait for the worker threads (closing the screen)."""
        self.test.shutdown(timeout)
        self.calls.wait_idle(timeout)
