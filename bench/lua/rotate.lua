-- A fresh token on every request: rotate through pre-minted tokens (one per line in $BENCH_TOKENS),
-- starting at $BENCH_OFFSET so that consecutive runs continue the cycle instead of repeating it.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")
local headers = {}

request = function()
  i = i % #tokens + 1
  headers["Authorization"] = "Bearer " .. tokens[i]
  return wrk.format("GET", nil, headers)
end
