-- Shared by the scenarios: count responses by status in every thread, and print one JSON
-- line of results that bench/run.py reads (requests/s, latency percentiles, statuses, how
-- many of the 503s carried Retry-After, and how many requests a request() function sent).
bench_threads = {}

function setup(thread)
  thread:set("id", #bench_threads)
  table.insert(bench_threads, thread)
end

local function has_header(headers, name)
  for k, _ in pairs(headers or {}) do
    if k:lower() == name then return true end  -- the server may send names in any case
  end
  return false
end

function count_status(status, headers)
  local key = "s" .. status
  statuses[key] = (statuses[key] or 0) + 1
  local second = "t" .. os.time()  -- answers per wall-clock second: where a stall was
  per_second = per_second or {}
  per_second[second] = (per_second[second] or 0) + 1
  if status == 503 and has_header(headers, "retry-after") then
    statuses.retry_after = (statuses.retry_after or 0) + 1
  end
end

-- For scripts with a request() function: wrk counts the answers, not what it sent.
function count_request()
  sent = (sent or 0) + 1
end

function done(summary, latency, requests)
  local totals, sent, seconds = {}, nil, {}
  for _, t in ipairs(bench_threads) do
    for k, v in pairs(t:get("per_second") or {}) do seconds[k] = (seconds[k] or 0) + v end
    local s = t:get("statuses")
    for k, v in pairs(s) do totals[k] = (totals[k] or 0) + v end
    local n = t:get("sent")
    if n then sent = (sent or 0) + n end
  end
  local retry_after = totals.retry_after or 0
  totals.retry_after = nil
  local parts = {}
  for k, v in pairs(totals) do table.insert(parts, string.format('"%s": %d', k:sub(2), v)) end
  local timeline = {}
  for k, v in pairs(seconds) do table.insert(timeline, string.format('"%s": %d', k:sub(2), v)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"retry_after": %d, "sent": %s, "statuses": {%s}, "per_second": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    retry_after, sent and string.format("%d", sent) or "null", table.concat(parts, ", "),
    table.concat(timeline, ", ")))
end
