-- A different path on every request: rotate through the lines of $BENCH_PATHS, starting at $BENCH_OFFSET
-- so that consecutive runs continue the cycle. Headers given with -H are sent as usual.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")

request = function()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
