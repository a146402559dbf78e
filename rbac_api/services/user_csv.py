"""The users file of `rbac-api users import` and `users export`: CSV, one header, one user per record.

The header is `username,email,full_name,roles,password` (columns in any order, each exactly once), the text
UTF-8 (a byte-order mark is accepted), quoting as in RFC 4180. `roles` holds role names separated by
spaces: role names cannot contain one, and `;` is the column separator of spreadsheets in many locales. An
exported file leaves `password` empty.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula, and profile fields are set by
users themselves: an export writes such a cell (and one beginning with `'`) behind a `'`, and reading
removes that `'` again, so export and import are exact inverses. The password cell is taken as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from rbac_api.core.errors import InvalidInput
from rbac_api.store.users import UserRecord

COLUMNS = ("username", "email", "full_name", "roles", "password")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass(frozen=True, slots=True)
class Row:
    """One record as written, with the line it starts on. Cells are stripped, except full_name and
    password, where spaces may be meant."""

    line: int
    username: str
    email: str
    full_name: str
    roles: tuple[str, ...]
    password: str


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the record starting on `line` cannot be imported."""

    line: int
    message: str


def decode(data: bytes) -> str:
    """The file's text; `InvalidInput` naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"line {line}: not UTF-8 text; save the file as CSV UTF-8") from None


def read_rows(text: str) -> tuple[list[Row], list[Failure]]:
    """The records of `text`, and the ones that do not have one cell per column. Blank lines are skipped.

    `InvalidInput` when the header is wrong or the quoting is broken: then no line can be trusted.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(next(reader, None))
    rows: list[Row] = []
    failures: list[Failure] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if len(cells) == len(header):
                rows.append(_row(line, dict(zip(header, cells, strict=True))))
            elif any(cell.strip() for cell in cells):
                failures.append(Failure(line, f"{len(cells)} cells where the header has {len(header)}"))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(f"line {line}: {exc}; the file is not valid CSV") from None
    return rows, failures


def _header(cells: list[str] | None) -> list[str]:
    names = [cell.strip().lower() for cell in cells or []]
    if sorted(names) != sorted(COLUMNS):
        raise InvalidInput(
            f"line 1: the header must name the columns {','.join(COLUMNS)} (in any order), "
            f"not {','.join(names) or 'nothing'}"
        )
    return names


def _row(line: int, cells: dict[str, str]) -> Row:
    return Row(
        line=line,
        username=_unescape(cells["username"]).strip(),
        email=_unescape(cells["email"]).strip(),
        full_name=_unescape(cells["full_name"]),
        roles=tuple(_unescape(cells["roles"]).split()),
        password=cells["password"],
    )


def write_rows(records: Iterable[UserRecord], out: TextIO) -> int:
    """Write the header and one record per user (password empty); returns how many users."""
    # RFC 4180's CRLF: csv quotes a cell holding any character of the line terminator, so with "\n" alone a
    # lone "\r" in a name would go out unquoted and split the record when read back.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        cells = (record.username, record.email or "", record.full_name or "", " ".join(record.roles))
        writer.writerow([*map(_escape, cells), ""])
        count += 1
    return count


def _escape(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def _unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell
