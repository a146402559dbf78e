"""Where a request's time goes: py-spy samples the service's uvicorn process while wrk loads one route.

    .venv/bin/python -m bench.profile [/users/me|/bench/bare] [--fresh]

Prints the functions with the most samples (self and inclusive). Not part of `make bench`.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.fixtures import environment, install, settings_values
from bench.load import Server, wrk

# Non-blocking: stopping the process on every sample would slow it tenfold and distort the profile.
_PY_SPY = ["py-spy", "record", "--nonblocking", "-r", "250", "-f", "raw"]


def summarise(raw: Path, top: int = 70) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame.split(" (")[0] for frame in stack.split(";")]
        if "Server.run" not in frames:  # the event loop's thread only; idle pool threads are noise
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="/users/me")
    parser.add_argument("--fresh", action="store_true", help="a new token on every request")
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rbac-profile-"))
    values = settings_values(workdir)
    installation = install(values)
    tokens = installation.mint(30_000 if args.fresh else 1)
    token_file = workdir / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    with Server("bench.apps:service", environment(values), cpus="0", log=workdir / "server.log") as server:
        raw = workdir / "profile.txt"
        spy = subprocess.Popen(
            [*_PY_SPY, "-o", str(raw), "-d", str(int(args.seconds) + 1), "--pid", str(server.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = server.url + args.path
        if args.fresh:
            env = {"BENCH_TOKENS": str(token_file)}
            result = wrk(url, seconds=args.seconds, connections=64, script="rotate.lua", env=env)
        else:
            result = wrk(
                url, seconds=args.seconds, connections=64, headers={"Authorization": f"Bearer {tokens[0]}"}
            )
        spy.wait()
    print(result, file=sys.stderr)
    print(summarise(raw))


if __name__ == "__main__":
    main()
