-- A light probe: each connection waits $BENCH_DELAY_MS between requests, so latency is service time,
-- not queueing behind our own load.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "10")

delay = function()
  return delay_ms
end
