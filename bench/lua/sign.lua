-- Sign surge: every request a new person. Env: BENCH_SLUG, BENCH_TAG, BENCH_POOL, BENCH_ACKS.
-- The form needs no CSRF token: core/origin.py checks the browser's Sec-Fetch-Site instead.
dofile("bench/lua/common.lua")
local slug, tag = os.getenv("BENCH_SLUG"), os.getenv("BENCH_TAG")
local pool = tonumber(os.getenv("BENCH_POOL") or "0")  -- > 0: the duplicate storm
-- A path: write there the emails of the signatures answered 302, one a line. wrk does not
-- tell response() which request it answers, so this needs one connection per thread
-- (-t = -c): a thread's only connection sends its next request after the last answer.
local acks = os.getenv("BENCH_ACKS")

function init(args)
  statuses = {}
  acked = {}
  n = 0
  wrk.method = "POST"
  wrk.path = "/p/" .. slug .. "/sign/"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Sec-Fetch-Site"] = "same-origin"  -- as a browser posting the page's form
end

function request()
  count_request()
  n = n + 1
  local who
  if pool > 0 then who = "dup" .. math.random(pool) else who = tag .. "-" .. id .. "-" .. n end
  last = who
  local body = "name=Bench+Signer&email=" .. who ..
    "%40bench.example&postcode=10001&country=US"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count_status(status, headers)
  if acks and status == 302 then table.insert(acked, last) end
end

if acks then
  local summarise = done
  function done(summary, latency, requests)
    local f = assert(io.open(acks, "w"))
    for _, t in ipairs(bench_threads) do
      for _, who in ipairs(t:get("acked")) do f:write(who, "@bench.example\n") end
    end
    f:close()
    summarise(summary, latency, requests)
  end
end
