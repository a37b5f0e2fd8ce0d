"""Reading course files safely: only regular files inside the course, within the size cap.

A course folder may hold files that nobody has checked, or that someone planted: a symbolic
link to a file of secrets, a link to ``/dev/zero``, a named pipe that blocks whoever opens it,
a folder called ``x.yaml``, a file in a legacy encoding. ``CourseFolder.read`` turns each into
one ``Problem`` located in the file (course-relative, never an absolute server path) and never
echoes what a refused file holds. It reads a file only when all of these hold:

- its real path (links followed) lies inside the course's own ``content/`` or ``quizzes/``
  folder; a link between files of the course is fine, a link that leaves it is refused unread;
- it is a regular file (checked with ``stat`` before opening, and again on the open file:
  devices, pipes and sockets are never read; pipes are opened non-blocking so even a file
  swapped for one in between cannot hang the reader);
- it is at most ``ReadLimits.max_file_bytes`` long (checked before reading, and the read
  itself stops one byte past the cap);
- it is UTF-8 text (a leading byte-order mark is dropped, as for scenarios, so for lessons too).
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from elearn.errors import Problem
from elearn.limits import MAX_FILE_BYTES_SETTING, ReadLimits, how_to_raise

COURSE_FOLDERS = ("content", "quizzes")
"""The folders of a course whose files are read; a course file must really lie in one of them."""

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_OTHER_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
               (codecs.BOM_UTF16_BE, "UTF-16"))
_SAVE_AS_UTF8 = "Save it as UTF-8 (most editors offer this under Save as… or Encoding)."


class CourseFolder:
    """A course directory, read the safe way (see the module docstring)."""

    def __init__(self, root: Path, limits: ReadLimits) -> None:
        self.root = root
        self.limits = limits
        real_root = os.path.realpath(root)
        self._inside = tuple(os.path.join(real_root, folder) + os.sep for folder in COURSE_FOLDERS)

    def paths(self, pattern: str) -> list[str]:
        """The course-relative names matching ``pattern`` (``content/*.md``), sorted; whatever
        they are: ``read`` decides whether each is a file it may read."""
        return sorted(path.relative_to(self.root).as_posix() for path in self.root.glob(pattern))

    def read(self, relative: str) -> tuple[str | None, Problem | None]:
        """The text of the course file ``relative``, or None and the problem that stopped it."""
        path = self.root / relative
        try:
            link = os.lstat(path)
        except FileNotFoundError:
            return None, self._problem(relative, "missing-file", f"The file {relative} is missing.",
                                       "Every course needs it: see docs/authoring.md.")
        except OSError as exc:
            return None, self._unreadable(relative, exc)
        try:
            real = os.path.realpath(path, strict=True)
        except OSError as exc:
            if not stat.S_ISLNK(link.st_mode):
                return None, self._unreadable(relative, exc)
            return None, self._problem(relative, "broken-link", "The file is a symbolic link to something that does "
                                       "not exist (or to a loop of links).",
                                       "Remove the link, or put the file itself here.")
        if not real.startswith(self._inside):
            how = "is a symbolic link" if stat.S_ISLNK(link.st_mode) else "is in a folder that is a symbolic link"
            return None, self._problem(
                relative, "link-outside",
                f"The file {how} to somewhere outside the course's content/ and quizzes/ folders, so it is not read.",
                "Copy the file into the course instead of linking to it.")
        try:
            info = os.stat(real)
        except OSError as exc:
            return None, self._unreadable(relative, exc)
        refused = self._refuse_kind_or_size(relative, info)
        if refused is not None:
            return None, refused
        try:
            data = self._read_bytes(real)
        except _NotRegular as swapped:
            return None, self._refuse_kind_or_size(relative, swapped.info)
        except OSError as exc:
            return None, self._unreadable(relative, exc)
        if len(data) > self.limits.max_file_bytes:
            return None, self._too_large(relative, len(data))
        return _decode(data, relative)

    def _read_bytes(self, real: str) -> bytes:
        """Read at most one byte past the cap, from a file opened so that it cannot block or be a link."""
        descriptor = os.open(real, _FLAGS)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > self.limits.max_file_bytes:
                raise _NotRegular(info)  # swapped after the check above
            chunks: list[bytes] = []
            wanted = self.limits.max_file_bytes + 1
            while wanted > 0 and (chunk := os.read(descriptor, min(wanted, 1 << 20))):
                chunks.append(chunk)
                wanted -= len(chunk)
            return b"".join(chunks)
        finally:
            os.close(descriptor)

    def _refuse_kind_or_size(self, relative: str, info: os.stat_result) -> Problem | None:
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            return self._problem(relative, "not-a-file", "This is a folder, not a file.",
                                 "Rename the folder: names ending in .md, .yaml or .yml are read as course files.")
        if not stat.S_ISREG(mode):
            kind = ("named pipe (FIFO)" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
                    else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
            return self._problem(relative, "not-a-file", f"This is a {kind}, not a regular file, so it is not read.",
                                 "Remove it: only regular files are course files.")
        if info.st_size > self.limits.max_file_bytes:
            return self._too_large(relative, info.st_size)
        return None

    def _too_large(self, relative: str, size: int) -> Problem:
        cap = self.limits.max_file_bytes
        return self._problem(relative, "file-too-large",
                             f"The file is {size:,} bytes, over the limit of {cap:,} bytes for one course file.",
                             f"Split it into smaller files, or {how_to_raise(MAX_FILE_BYTES_SETTING)}.")

    def _unreadable(self, relative: str, exc: OSError) -> Problem:
        # strerror only: str(exc) would name the absolute path.
        reason = (exc.strerror or type(exc).__name__).lower()
        return self._problem(relative, "unreadable", f"The file can't be read: {reason}.",
                             "Let the account the app and the checker run as read it, or remove it.")

    @staticmethod
    def _problem(relative: str, rule: str, message: str, hint: str) -> Problem:
        return Problem(relative, 0, 0, rule, message, hint)


class _NotRegular(Exception):
    def __init__(self, info: os.stat_result) -> None:
        self.info = info


def _decode(data: bytes, relative: str) -> tuple[str | None, Problem | None]:
    """UTF-8 text without its byte-order mark, or the problem locating the first byte that is not UTF-8."""
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            return None, Problem(relative, 0, 0, "bad-encoding", f"The file is saved as {encoding}, not UTF-8.",
                                 _SAVE_AS_UTF8)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        return None, Problem(relative, line, column, "bad-encoding",
                             f"The file is not UTF-8 text: the byte 0x{data[exc.start]:02X} here is not valid UTF-8.",
                             f"{_SAVE_AS_UTF8} Files saved as Windows-1252 or Latin-1 often do this.")
