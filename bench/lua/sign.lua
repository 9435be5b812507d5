-- Sign surge: every request a new person. Env: BENCH_SLUG, BENCH_CSRF, BENCH_TAG.
dofile("bench/lua/common.lua")
local slug, csrf, tag = os.getenv("BENCH_SLUG"), os.getenv("BENCH_CSRF"), os.getenv("BENCH_TAG")
local pool = tonumber(os.getenv("BENCH_POOL") or "0")  -- > 0: the duplicate storm

function init(args)
  statuses = {}
  n = 0
  wrk.method = "POST"
  wrk.path = "/p/" .. slug .. "/sign/"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. csrf
end

function request()
  n = n + 1
  local who
  if pool > 0 then who = "dup" .. math.random(pool) else who = tag .. "-" .. id .. "-" .. n end
  local body = "csrfmiddlewaretoken=" .. csrf .. "&name=Bench+Signer&email=" .. who ..
    "%40bench.example&postcode=10001&country=US"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count_status(status)
end
