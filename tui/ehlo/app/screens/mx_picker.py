"""Pick one of a domain's MX hosts, most preferred first."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class MxPickScreen(ModalScreen[str | None]):
    """The MX hosts ordered by preference; Enter connects to the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "dismiss(None)",
            "Close",
            id="mx-pick.close",
            tooltip="Close without connecting",
        )
    ]

    def __init__(self, domain: str, hosts: tuple[tuple[int, str], ...]) -> None:
        super().__init__()
        self.domain = domain
        self.hosts = tuple(sorted(hosts))

    def compose(self) -> ComposeResult:
        with Vertical(id="mx-pick-dialog", classes="dialog"):
            yield Label(Content(f"MX hosts of {self.domain}: connect to which one?"))
            yield OptionList(
                *(
                    Option(Content(f"{preference:>5}  {host}"), id=host)
                    for preference, host in self.hosts
                ),
                id="mx-pick-list",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
