"""Every error Lyssna raises on purpose, grouped by what the caller should do.

    LyssnaError                    base; carries a message meant for a person
    +-- UserError                  the user asked for the impossible: show the message only
    |   +-- ConfigurationError     settings or environment are wrong (bad URL, missing workspace)
    |   +-- QuerySyntaxError       a listening query is malformed; knows the column (1-based)
    |   +-- NotFoundError          a named thing (topic, source, workspace) does not exist
    |   +-- ConflictError          a named thing already exists, or was changed by someone else
    +-- RecordError                one incoming record is malformed: quarantine it, go on
    +-- StorageError               the database refused (schema too old, locked); usually fatal

The CLI turns a UserError into a one-line message and a non-zero exit code.
"""

from __future__ import annotations


class LyssnaError(Exception):
    """Base of all errors Lyssna raises deliberately."""


class UserError(LyssnaError):
    """The user asked for something that cannot be done; the message says why."""


class ConfigurationError(UserError):
    """Settings, environment or workspace are not usable as given."""


class NotFoundError(UserError):
    """A named object does not exist."""


class ConflictError(UserError):
    """A named object already exists, or changed under our feet."""


class QuerySyntaxError(UserError):
    """A listening query is malformed.

    `column` is 1-based and points at the offending character of `query`. `code` names the
    kind of mistake and `params` the values its message mentions, so that a user interface can
    say it in the user's language; `message` is the English text.
    """

    def __init__(
        self,
        message: str,
        query: str,
        column: int,
        code: str = "",
        params: dict[str, str | int] | None = None,
    ) -> None:
        self.message = message
        self.query = query
        self.column = column
        self.code = code
        self.params = params or {}
        super().__init__(f"{message} (column {column})")

    def pointer(self) -> str:
        """The query with a caret under the offending column, for terminals."""
        return f"{self.query}\n{' ' * (self.column - 1)}^"


class RecordError(LyssnaError):
    """One incoming record is malformed; it is quarantined and the batch goes on."""


class StorageError(LyssnaError):
    """The database cannot be used as expected."""
