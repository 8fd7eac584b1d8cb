"""The one application error type the interfaces (CLI, web, API) translate for the user."""

from __future__ import annotations

from collections.abc import Sequence


class ApplicationError(Exception):
    """A request Fordra refuses, with a message fit to show to the person who made it."""

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[str] = (),
        code: str = "invalid",
        result_printed: bool = False,
        exit_code: int = 1,
    ):
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.code = code
        # The command already printed its JSON result (e.g. a failed verification): the CLI then
        # adds only the message on stderr, so stdout stays one JSON object.
        self.result_printed = result_printed
        # The command line's exit code: 1 (refused) unless the command says otherwise, e.g. 3
        # when a daily run finished but letters failed.
        self.exit_code = exit_code


class NotFound(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="not_found")
