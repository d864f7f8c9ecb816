-- wrk script: the benchmark's mix (90% 200 / 5% 404 / 3% 500 / 2% 503 over route templates),
-- the same 100 requests as load.mjs, in the same order; prints one JSON line when done.
local paths = {}
for i = 0, 99 do
  local path
  if i % 20 == 7 then path = "/v3/p1/unknown/" .. i
  elseif i % 33 == 5 then path = "/v3/p1/instances/i" .. i .. "?s=500"
  elseif i % 50 == 11 then path = "/v3/p1/instances?s=503"
  elseif i % 2 == 1 then path = "/v3/p" .. (i % 7) .. "/instances/i" .. i
  else path = "/v3/p" .. (i % 7) .. "/instances" end
  paths[#paths + 1] = path
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
