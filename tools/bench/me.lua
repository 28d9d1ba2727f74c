-- wrk script for `make bench`: GET /v1/me as one signed-in user, then one machine-readable summary line.
-- BENCH_TOKEN is the access token (the baseline ignores it; sending it keeps the requests identical).

local token = os.getenv("BENCH_TOKEN") or ""

wrk.method = "GET"
wrk.path = "/v1/me"
wrk.headers["Accept"] = "application/json"
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
