"""What every workflow step shares: its refusal (:class:`WorkflowError`), the one text
rule for what was typed, and the typed timeline events, loaded with the first step."""

from __future__ import annotations

from types import ModuleType

from ketaconsole.names import Field, text_problem


def _entries() -> ModuleType:
    """The typed timeline events (loaded with the first step recorded, not the first paint)."""
    from ketaconsole.session import events as timeline_events

    return timeline_events


class WorkflowError(ValueError):
    """What the nurse entered cannot be recorded; ``problems`` maps field -> sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def _typed(key: str, text: object, field: Field = Field.REASON) -> str:
    """Typed text by the console's one text rule, or :class:`WorkflowError` naming ``key``."""
    problem = text_problem(str(text), field, required=False)
    if problem is not None:
        raise WorkflowError({key: f"{problem[0].upper()}{problem[1:]}."})
    return str(text)
