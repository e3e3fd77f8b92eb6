"""The one exception type the command-line entry points turn into a clear message and a non-zero exit."""

from __future__ import annotations

import errno
from pathlib import Path


class IngestError(Exception):
    """A problem a person must fix (a setting, a server, a source table); the message says what and how."""


NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR}


def explain_os_error(error: OSError, folder: Path) -> str | None:
    """A message for a file-system error under the state folder ``folder``, or None if it is another kind."""
    where = getattr(error, "filename", None) or folder
    if error.errno in NO_ROOM:
        return (
            f"no room to write {where}: {error.strerror}. The disk holding the state folder {folder} is full "
            "(or a size limit is reached): free space there, or set WAREHOUSE_STATE_DIR to a folder with room, "
            "and run again: a run resumes where the last one stopped."
        )
    if error.errno in NOT_WRITABLE:
        return (
            f"cannot write {where}: {error.strerror}. The state folder {folder} must be writable: fix its "
            "permissions or mount, or set WAREHOUSE_STATE_DIR to a writable folder."
        )
    return None
