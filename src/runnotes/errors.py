"""One exception type for everything a user can get wrong.

The CLI turns a :class:`RunnotesError` into a single ``runnotes: error: …`` line and a non-zero
exit code; anything else is a bug and keeps its traceback.
"""


class RunnotesError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class NotFound(RunnotesError):
    """The thing asked for does not exist (a run id, a capture): a 404 on the web."""


class Conflict(RunnotesError):
    """The request contradicts what is stored for good (ending a run that has ended): a 409."""
