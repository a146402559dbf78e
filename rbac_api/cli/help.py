"""What every command's `--help` shares: the example at its foot and the words for exit codes."""

from __future__ import annotations

EXIT_CODES = (
    "\b\n"
    "Exit codes:\n"
    "  0  success (for checks: no findings)\n"
    "  1  findings or failure: policy problems, failed policy tests, access changes in a diff,\n"
    "     rows refused by an import, a change refused by a rule\n"
    "  2  usage error: unknown command or option, missing argument, a path that is not there"
)

STREAMS = (
    "Output: the result (data, findings, the summary of a change) goes to standard output; progress, "
    "warnings and errors go to standard error."
)


def example(*commands: str) -> str:
    """An epilog showing how the command is typed, kept as written (click rewraps other paragraphs)."""
    return "\b\nExample:\n" + "\n".join(f"  {command}" for command in commands)
