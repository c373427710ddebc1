"""Browser actions of a scrape request: what to do on the page, in order, before it is extracted.

Each action is validated when the request arrives: a selector is checked like every other selector,
a key is a key the browser knows, and `evaluate` is refused unless the operator allows scripts
(`ALLOW_SCRIPT_ACTIONS`). A failed check names the action's index and type (`actions.3.click`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from backend_fastapi.extraction.spec import parse_selector
from backend_fastapi.schemas.common import StrictModel

MAX_ACTIONS = 100
MAX_ACTION_TIMEOUT_MS = 120_000
DEFAULT_ACTION_TIMEOUT_MS = 10_000
# Named keys as the browser spells them; any single printable character is a key too.
_NAMED_KEYS = (
    "Enter|Tab|Escape|Backspace|Delete|Insert|Space|Home|End|PageUp|PageDown|"
    "ArrowUp|ArrowDown|ArrowLeft|ArrowRight|F[1-9]|F1[0-2]"
)
_KEY = re.compile(rf"^(?:(?:Shift|Control|Alt|Meta|ControlOrMeta)\+)*(?:{_NAMED_KEYS}|[\x21-\x7e])$")


def check_selector(value: str) -> str:
    """A selector as every selector of a request is checked (CSS, or XPath with an `xpath:` prefix)."""
    try:
        parse_selector(value)
    except ValueError as exc:
        raise PydanticCustomError("selector", "selector: {reason}", {"reason": str(exc)}) from exc
    return value


Selector = Annotated[str, Field(min_length=1, max_length=2000)]


class _Action(StrictModel):
    timeout_ms: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ACTION_TIMEOUT_MS,
        description=f"Time this action may take (default {DEFAULT_ACTION_TIMEOUT_MS} ms).",
    )
    optional: bool = Field(
        default=False, description="A failure is reported in `result.actions` and the next action runs."
    )

    @property
    def budget_ms(self) -> int:
        """The action's time budget."""
        return self.timeout_ms or DEFAULT_ACTION_TIMEOUT_MS


class _OnElement(_Action):
    selector: Selector

    _selector = field_validator("selector")(check_selector)


class WaitAction(_Action):
    """Wait a fixed time, or until a selector matches."""

    type: Literal["wait"]
    milliseconds: int | None = Field(default=None, ge=1, le=60_000)
    selector: Selector | None = None

    @field_validator("selector")
    @classmethod
    def _check(cls, value: str | None) -> str | None:
        return None if value is None else check_selector(value)

    @model_validator(mode="after")
    def _one_of(self) -> WaitAction:
        if (self.milliseconds is None) == (self.selector is None):
            raise PydanticCustomError("action", "give either milliseconds or selector", {})
        if self.milliseconds is not None and self.milliseconds > self.budget_ms:
            raise PydanticCustomError(
                "action",
                "milliseconds ({ms}) is over the action's timeout_ms ({budget})",
                {"ms": self.milliseconds, "budget": self.budget_ms},
            )
        return self


class ClickAction(_OnElement):
    """Click the element (every match with `all`); with `repeat`, click again while it is there and
    the page changes, up to that many times."""

    type: Literal["click"]
    all: bool = False
    repeat: int = Field(default=1, ge=1, le=1000)


class WriteAction(_OnElement):
    """Type text into a field (what it held is replaced)."""

    type: Literal["write"]
    text: str = Field(max_length=10_000)


class PressAction(_Action):
    """Press a key (`Enter`, `Tab`, `Control+a`) in the focused element."""

    type: Literal["press"]
    key: str = Field(min_length=1, max_length=60)

    @field_validator("key")
    @classmethod
    def _known_key(cls, key: str) -> str:
        if not _KEY.match(key):
            raise PydanticCustomError(
                "key",
                "unknown key {key}: a character, or Enter, Tab, Escape, ArrowDown ...",
                {"key": repr(key)},
            )
        return key


class SelectAction(_OnElement):
    """Choose an option of a `<select>` by its value."""

    type: Literal["select"]
    value: str = Field(max_length=1000)


class HoverAction(_OnElement):
    """Move the mouse over the element."""

    type: Literal["hover"]


class ScrollAction(_Action):
    """Scroll the page: `until` "end" (an infinite list: until the page stops growing), "selector"
    (until `selector` matches) or a number of screens; at most `max_scrolls` screens."""

    type: Literal["scroll"]
    direction: Literal["down", "up"] = "down"
    until: Literal["end", "selector"] | Annotated[int, Field(ge=1, le=500)] = 1
    selector: Selector | None = None
    max_scrolls: int = Field(default=50, ge=1, le=500)

    @field_validator("selector")
    @classmethod
    def _check(cls, value: str | None) -> str | None:
        return None if value is None else check_selector(value)

    @model_validator(mode="after")
    def _selector_with_until(self) -> ScrollAction:
        if (self.until == "selector") != (self.selector is not None):
            raise PydanticCustomError("action", 'until "selector" and selector go together', {})
        return self


class ScreenshotAction(_Action):
    """Capture the page as it is now (a PNG file of the job)."""

    type: Literal["screenshot"]
    full_page: bool = False


class ScrapeAction(_Action):
    """Extract the page as it is now: a record per `scrape` action."""

    type: Literal["scrape"]


class PdfAction(_Action):
    """Print the page as it is now to a PDF file of the job."""

    type: Literal["pdf"]


class EvaluateAction(_Action):
    """Run JavaScript in the page (only where the operator set ALLOW_SCRIPT_ACTIONS=true)."""

    type: Literal["evaluate"]
    script: str = Field(min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _allowed(self) -> EvaluateAction:
        from backend_fastapi.settings import get_settings

        if not get_settings().ALLOW_SCRIPT_ACTIONS:
            raise PydanticCustomError(
                "action_not_allowed",
                "evaluate actions are off on this server (the operator enables them with "
                "ALLOW_SCRIPT_ACTIONS=true)",
                {},
            )
        return self


Action = Annotated[
    WaitAction
    | ClickAction
    | WriteAction
    | PressAction
    | SelectAction
    | HoverAction
    | ScrollAction
    | ScreenshotAction
    | ScrapeAction
    | PdfAction
    | EvaluateAction,
    Field(discriminator="type"),
]
