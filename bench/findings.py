"""What profiling found and what was changed because of it: appended to docs/benchmarks.md as written."""

FINDINGS = """
## What profiling found, and what changed

Profiles: `python -m bench.profile /users/me [--fresh]` (py-spy, non-blocking, the event loop's thread of
the uvicorn process under wrk), cProfile and in-process ASGI calls (bench/asgi.py) for steadier A/B figures
on this shared machine, and bench/variants.py for process-level experiments.

Changed in rbac_api (each a separate commit, every test passing, no check removed):

- **A threadpool hop on every request** (`rest/deps.py`): `get_rbac` was a plain `def` dependency, which
  FastAPI runs in its threadpool. py-spy showed the hand-off (`Condition.notify`) at 26% of the event loop's
  samples on `GET /users/me`. Now `async`.
- **A URL parse on every allowed request** (`rest/deps.py`): the audit target of a scope check was built
  eagerly (`getattr(route, "path", request.url.path)` evaluates its default), half of the dependency's own
  time. Now built only on denial; the check still goes through `PolicyEngine.check`.
- **Response re-validation and one dependency too many** (`rest/users.py`, new `rest/responses.py`):
  `GET /users/me` returns `ModelResponse(UserOut.of(record))` (pydantic-core dumps the model it was given;
  FastAPI's `response_model` path validated it again first) and takes the `Request` instead of `RbacDep`.
  `response_model=UserOut` stays for OpenAPI. The bench's bare route uses the same `ModelResponse`.
- **pyjwt re-checking our own key on every decode** (`tokens.py`): pyjwt's HMAC `prepare_key` probes the key
  as PEM, SSH, DER, X.509 and JWK JSON on every call (a JSON decode error raised and caught each time), and
  `check_key_length` builds a hash object: about a quarter of a cold verification. The codec's private
  PyJWT registers an HMAC algorithm that runs those checks once on the configured key (any other key still
  gets them); options are set on the PyJWT once instead of merged per call; claim shape checks use plain
  look-ups. Cold verification went from 1.22x to 0.88x of a raw `jwt.decode` with the same options.
- **O(n) cache eviction** (`authentication.py`): evicting the oldest entry of a plain dict with
  `next(iter(d))` scans the slots freed by earlier evictions: 8.8 µs per insert at 10,000 entries against
  0.5 µs for `OrderedDict.popitem(last=False)`. Both the verified-token and the user-state cache.
- **A thundering herd on the user-state cache** (`authentication.py`): when a busy user's entry expired,
  every request in flight read the database in its own worker thread (64 at once under wrk). Now one read,
  the others wait for it. The same change fixes a race: a read overlapping an invalidation (this instance
  disabling the user) could put the old state back for `user_cache_seconds`; it is no longer cached (test).
- **Route matching linear in the table** (issue 15, row 11; `transport/route_index.py`): FastAPI 0.165
  tries every included router in turn, each walking its routes (twice for the one that matches, with scope
  bookkeeping per route): 64% of the in-process time of a route included after the service's own. A
  `RouteIndex` now files every route as served under its first path segment and tries only the request's
  bucket, in table order; FastAPI's router still answers what matches nothing (redirects, 404).
- **pyjwt's general path for our own tokens** (`core/tokens.py`, `_OwnTokens`, issue 15): a new token cost
  ~190 Python calls in pyjwt (any header, any key, every option), 16-18 µs alone and 34-36 µs inside a
  request, where its code has left the CPU's caches. A token whose header segment is byte for byte the one
  we issue is now verified in a few steps (the HMAC compared in constant time, canonical base64url, the
  claims checked as pyjwt checks them) and everything else still goes to pyjwt, which decides: 16-21 µs
  inside a request. A property test holds `TokenCodec.decode` equal to pyjwt alone for any token. Row 11's
  fresh-token figure went from 0.47x to 0.58x of the plain app.
- **Route position within one first segment** (`transport/route_index.py`, issue 15): `/users` holds 17
  routes, sessions first; `GET /users/me` tried four of them before its own. A parameterless path that no
  earlier route of its bucket can match (checked against their patterns when the index is built) is now
  one dictionary look-up; anything else is tried in table order as before.
- **`/health`** (`rest/system.py`, `rest/health.py`): two dependencies and FastAPI's `jsonable_encoder`
  path per call; now no dependency and a body encoded once per state it reports.
- **The access log** (`transport/access_log.py`): uvicorn's line cost ~23 µs (a logging record, a filter,
  a formatter, a write and a flush per request). The service writes the same line itself, buffered, at
  most 0.1 s late; `RBAC_ACCESS_LOG=false` turns it off.
- **FastAPI's native OpenTelemetry probe** (`transport/telemetry.py`): off unless `RBAC_OPENTELEMETRY=true`,
  which instruments the app with `opentelemetry-instrumentation-fastapi` instead.

Run-to-run variation seen while building this (three full `make bench` runs on 2026-11-29, same machine,
other work running): `/users/me` vs the tutorial way 5.81x, 6.00x, 6.07x (target 6x); login throughput
0.94, 0.89, 0.91 of cores / bcrypt time (target 0.9); compile of the 1,000-role policy 58, 121, 61 ms
(target 100 ms, see the GC finding below); p99 while swapping vs quiet 1.02x, 0.96x, 0.68x (target 1x, on a
2-3 ms p99). Those four verdicts flip between runs; every other row kept its verdict in all three.

Found, not changed here (for the owners of those parts):

- **FastAPI's own cost per dependency**: `solve_dependencies` evaluates `cast(Callable[..., Any], ...)` per
  sub-dependency (a `collections.abc.Callable[...]` subscription, not cached): ~10% of a `/users/me`
  request's samples before the changes above. Fewer dependencies per route is the only lever on our side.
- **Route position among parameterised routes** (row 11): a path with parameters is still matched against
  its bucket's routes in order (`/users/{username}/roles` pays for the routes before it); parameterless
  paths no longer do (above).
- **FastAPI's generic handler for the commonest guarded route** (`rest/guarded_route.py`, issue 15): for
  `GET /users/me`, FastAPI's two levels of `solve_dependencies` took 19.5 µs (5 µs for a route with no
  dependency; our dependency itself ~4 µs of it), most of what kept it at 0.82-0.84x of the plain app.
  `GuardedRoute` recognises the shape (the request, one `Security(current_principal, ...)`, a `Response`
  returned) when the handler is built and calls the dependency and the endpoint directly; any other shape,
  a dependency override or FastAPI's native telemetry gets FastAPI's handler. Row 11: 1.08x.
- **Garbage collection**: with fresh tokens the verified-token cache keeps ~10,000 entries of a few objects
  each alive, and every full collection walks them plus the framework's ~150,000 objects; in-process this
  was up to ~50 µs per request amortised. `gc.freeze()` after start-up (bench/variants.py `frozen`) took
  in-process `/users/me` fresh-token throughput from 0.51 to 0.54 of bare. A process setting, so not
  changed here: a candidate for `rbac-api serve`.
- **Garbage collection inside a policy load** (row 7): loading the 1,000-role policy allocates enough
  long-lived objects to trigger full collections of the whole heap (65-75 ms each in a process that has
  imported the service, measured with a GC callback): check + compile takes ~55-60 ms without one and
  ~120 ms when one lands in it, and the parse ~90 ms plus one. Hence the wide spread of the compile figure.
  `gc.disable()` around `load_policy` (re-enabled after) would make both figures steady.
- **Requests during a policy reload** (row 7): the reload parses in a worker thread, and the parse's
  allocations trigger full collections of the whole heap (100-160 ms each, measured with a GC callback,
  `collected=0`) with the GIL held; requests wait behind them. Measured with the 1,000-role policy: p99
  during reloads 116 ms against 4.9 ms quiet. Experiment `bench.variants:quiet_reload` (GC off while
  reloading, `gc.freeze()` after, a 0.5 ms GIL switch interval meanwhile): p99 during reloads 5.7 ms
  against 2.2 ms quiet. What is left is GIL contention with the parsing thread; meeting "no request slower
  than the quiet p99" would need the parse out of process (e.g. parse + check in a subprocess, then
  compile the checked data in-process) - for `rbac_api/reload.py`.
"""
