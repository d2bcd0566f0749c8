"""The Devices screen's Profiles page: a room's device set-ups kept by name, loaded in one step.

The profiles are read, saved and deleted on the screen's worker threads
(:class:`~ui.widgets.background.BackgroundCalls`), and every change goes through the
guarded services (:class:`~ketaconsole.security.services.AuthorisedConsole`: the role
is checked and the change audited); someone who may not change profiles sees the page
read-only. What a profile holds (driver, port, settings) is read and loaded by the
screen, which owns those fields.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.devices.device_profiles import (
    DeviceSetup,
    ProfileProblems,
    SavedProfile,
    describe_primary_for,
    list_profiles,
)
from ketaconsole.security import NotAllowed
from ketaconsole.store import Database
from ui.devices.page_labels import heading, message_line
from ui.widgets.background import BackgroundCalls
from ui.widgets.form_fields import FormFields
from ui.widgets.labels import note

PROFILE_CALLS = ("profiles", "save", "delete")
"""The tags of this page's calls on the screen's worker threads."""


class ProfileDoor(Protocol):
    """The guarded calls that change device profiles (``AuthorisedConsole``)."""

    def may_change_device_profiles(self) -> bool: ...

    def save_device_profile(self, setup: DeviceSetup) -> SavedProfile: ...

    def delete_device_profile(self, room: str, name: str) -> None: ...


class ProfilesPage(QWidget):
    """Name the set-up as a room's profile and save it; load or delete a saved one."""

    save_wanted = Signal()
    """Save was pressed: the screen reads the set-up and hands it to :meth:`save`."""
    load_wanted = Signal()
    """Load was pressed or a profile double-clicked: the screen loads the chosen one."""

    def __init__(self, database: Database | None, door: ProfileDoor | None,
                 calls: BackgroundCalls, *, room: str = "") -> None:
        super().__init__()
        self.database = database
        self.door = door
        """The guarded services every profile change goes through (``None``: no record)."""
        self.calls = calls
        self.profiles: list[SavedProfile] = []
        calls.done.connect(self._call_done)
        calls.failed.connect(self._call_failed)
        self._build(room)

    def _build(self, room: str) -> None:
        column = QVBoxLayout(self)
        column.addWidget(heading("Device profiles"))
        column.addWidget(note("A profile keeps this driver, port and settings for a room, "
                              "to be loaded again in one step."))
        form = QFormLayout()
        self.profile_fields = FormFields(form)
        self.room = QLineEdit(room)
        self.room.setPlaceholderText("e.g. Room 1")
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText("e.g. Monitor, bed side")
        self.primary_for = QLineEdit()
        self.primary_for.setPlaceholderText("e.g. SpO2, PR (blank: the dedicated device)")
        self.primary_for.setToolTip(
            "When two devices of the room measure the same thing (a monitor's SpO2 and an "
            "oximeter's), the console shows and alarms on one of them: list the metrics "
            "this device should be that one for. Left blank, a dedicated device (an "
            "oximeter, a pump) comes before a monitor.")
        self.profile_fields.add("room", "Room", self.room)
        self.profile_fields.add("name", "Profile name", self.profile_name)
        self.profile_fields.add("primary_for", "Primary source for", self.primary_for)
        column.addLayout(form)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save profile")
        self.save_button.clicked.connect(lambda: self.save_wanted.emit())
        self.load_button = QPushButton("Load")
        self.load_button.clicked.connect(lambda: self.load_wanted.emit())
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_chosen)
        for button in (self.save_button, self.load_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.profile_message = message_line()
        column.addWidget(self.profile_message)
        self.profile_list = QListWidget()
        self.profile_list.itemDoubleClicked.connect(lambda _item: self.load_wanted.emit())
        column.addWidget(self.profile_list, 1)
        self.read_only = note("")
        column.insertWidget(2, self.read_only)
        if self.database is None or self.door is None:
            for button in (self.save_button, self.load_button, self.delete_button):
                button.setEnabled(False)
            self.profile_message.setText("No record database is open, so profiles cannot be "
                                         "saved; start the console with its database.")

    def show_rights(self) -> None:
        """Save and Delete only for someone who may change profiles; others look, read-only."""
        if self.door is None:
            return
        may = self.door.may_change_device_profiles()
        self.save_button.setEnabled(may)
        self.delete_button.setEnabled(may)
        self.read_only.setText("" if may else
                               "Read only: device profiles are changed by a technician; log "
                               "in as one to save or delete a profile.")

    def say(self, text: str) -> None:
        """Put a sentence under the buttons (what was done, or what is wrong)."""
        self.profile_message.setText(text)

    def show_names(self, setup: DeviceSetup) -> None:
        """Show a loaded profile's room, name and the metrics it is primary for."""
        self.room.setText(setup.room)
        self.profile_name.setText(setup.name)
        self.primary_for.setText(describe_primary_for(setup.primary_for))

    # -- the saved profiles ------------------------------------------------------------

    def refresh(self) -> None:
        database = self.database
        if database is not None:
            self.calls.run(lambda: list_profiles(database), tag="profiles")

    def save(self, setup: DeviceSetup) -> None:
        """Keep the set-up as a profile (through the guarded door)."""
        door = self.door
        if door is None:
            return
        self.say("Saving\u2026")
        self.save_button.setEnabled(False)
        self.calls.run(lambda: door.save_device_profile(setup), tag="save")

    def chosen_profile(self) -> SavedProfile | None:
        row = self.profile_list.currentRow()
        return self.profiles[row] if 0 <= row < len(self.profiles) else None

    def delete_chosen(self) -> None:
        door = self.door
        chosen = self.chosen_profile()
        if door is None:
            return
        if chosen is None:
            self.say("Choose a profile in the list first.")
            return
        room, name = chosen.setup.room, chosen.setup.name
        self.calls.run(lambda: door.delete_device_profile(room, name), tag="delete")

    def _show_profiles(self, profiles: list[SavedProfile]) -> None:
        self.profiles = profiles
        self.profile_list.clear()
        for saved in profiles:
            s = saved.setup
            self.profile_list.addItem(f"{s.room} \u00b7 {s.name}\n{s.slug} on {s.port}, "
                                      f"{s.line.describe()}")

    # -- answers from the worker threads -------------------------------------------------

    def _call_done(self, result: Any, tag: object) -> None:
        if tag == "profiles":
            self._show_profiles(result)
        elif tag == "save":
            self.show_rights()
            setup = result.setup
            self.say(f"Saved {setup.name!r} for {setup.room}.")
            self.refresh()
        elif tag == "delete":
            self.say("Profile deleted.")
            self.refresh()

    def _call_failed(self, exc: Exception, tag: object) -> None:
        if tag not in PROFILE_CALLS:
            return
        if tag == "save":
            self.show_rights()
        if isinstance(exc, NotAllowed):
            self.say(str(exc))
            return
        if isinstance(exc, ProfileProblems):
            self.profile_fields.show_problems(exc.problems)
            self.say(str(exc))
            return
        what = {"profiles": "The profiles could not be read",
                "save": "The profile was not saved",
                "delete": "The profile was not deleted"}[str(tag)]
        self.say(f"{what} ({exc}); check the database and try again.")
