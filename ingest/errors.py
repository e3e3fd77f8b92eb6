"""The one exception type the command-line entry points turn into a clear message and a non-zero exit."""


class IngestError(Exception):
    """A problem a person must fix (a setting, a server, a source table); the message says what and how."""
