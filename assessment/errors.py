"""The one kind of error a person is shown: a message in their language, naming what is wrong and where.

Every problem a user can cause or must be told about (a bad answer, a wrong password, a bad cell
in an imported file, a claim already decided, a data file that cannot be used) is a
:class:`UserError`: a translation key, the values the message needs, and, where it helps, the
place (a form field, a row and column, a file and line). Pages show it with
``assessment.ui.common.show_error``; the CLI prints ``message("en")`` or the language asked. Errors
the code causes are not UserErrors: they fail loudly in tests and reach users only as the generic
"something went wrong; what was kept" message, with the details in the server log.
"""

from __future__ import annotations

from typing import Any


class UserError(ValueError):
    """A problem to show a person; ``key`` is the translation key of its message."""

    def __init__(self, key: str, /, text: str | None = None, **params: Any):
        self.key, self.params = key, params
        super().__init__(text if text is not None else key)

    def message(self, lang: str) -> str:
        from assessment.i18n import translate

        return translate(self.key, lang, **self.params)

    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    def _identity(self) -> tuple:
        return type(self), self.key, tuple(sorted((k, repr(v)) for k, v in self.params.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserError) and self._identity() == other._identity() and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(self._identity())
