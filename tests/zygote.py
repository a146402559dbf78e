"""`rbac-api serve` processes forked from one that has already imported the service.

Every server a test starts used to be a new interpreter importing the service, FastAPI, Strawberry,
SQLAlchemy and uvicorn again: about 1.7 s of CPU before its first request, 30-40 servers a run, on a 2-core
machine where the suite is bound by CPU. `python -m tests.zygote` imports them once, then forks a server per
request, which runs the console script's own `main` with the command line, environment, working directory
and log file it was given: the same code from `main` on, started in milliseconds.

Protocol, one JSON object per line on stdin, one answer per line on stdout:
`{"spawn": {"argv", "env", "cwd", "log"}}` -> `{"pid"}`; `{"poll": pid}` -> `{"returncode"}` (null while it
runs; negative for a signal, as `subprocess` says it). Signals go to the pid directly. The zygote reaps a
server only when asked about it, so a pid stays its server's until the test has seen it exit.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import random
import signal
import sys
import traceback
from typing import Any

#: What `rbac-api serve` imports on its way to its first request.
PRELOAD = (
    "rbac_api.cli",
    "rbac_api.cli.serve",
    "rbac_api.app",
    "uvicorn",
    "uvicorn.main",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "uvloop",
    "httptools",
    "watchfiles",
)


def serve_forever() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    exited: dict[int, int] = {}
    for line in requests:
        request: dict[str, Any] = json.loads(line)
        if "spawn" in request:
            answer: dict[str, Any] = {"pid": _spawn(**request["spawn"])}
        else:
            answer = {"returncode": _poll(int(request["poll"]), exited)}
        answers.write(json.dumps(answer).encode() + b"\n")
        answers.flush()


def _poll(pid: int, exited: dict[int, int]) -> int | None:
    if pid not in exited:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            return None
        exited[pid] = os.waitstatus_to_exitcode(status)
    return exited[pid]


def _spawn(argv: list[str], env: dict[str, str], cwd: str, log: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        code = _run(argv, env, cwd, log)
    except BaseException:  # before the log is in place (a missing directory, say): the zygote's stderr
        traceback.print_exc()
    finally:
        os._exit(code)


def _run(argv: list[str], env: dict[str, str], cwd: str, log: str) -> int:
    """In the forked child: become the process `subprocess.Popen(argv, cwd, env, stdout=log,
    stderr=STDOUT, stdin=DEVNULL)` would have started, run the console script, exit as it would."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    random.seed()  # the zygote's state, shared by every child otherwise
    stdin = os.open(os.devnull, os.O_RDONLY)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(stdin, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(stdin)
    os.close(output)
    sys.argv = list(argv)
    from rbac_api.cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()  # what the interpreter does on its way out (logging's flush, among others)
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    serve_forever()
