-- Write to your official: every request a new supporter writing to their three members of
-- Congress. Env: BENCH_WRITE_SLUG, BENCH_TAG. The page's form carries a CSRF token: one
-- fixed token, sent as the cookie and as the form field, stands in for a browser's.
dofile("bench/lua/common.lua")
local slug, tag = os.getenv("BENCH_WRITE_SLUG"), os.getenv("BENCH_TAG")
local csrf = "benchCsrfTokenBenchCsrfToken0123"

function init(args)
  statuses = {}
  n = 0
  wrk.method = "POST"
  wrk.path = "/write/" .. slug .. "/letters/"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. csrf
end

function request()
  count_request()
  n = n + 1
  local body = "csrfmiddlewaretoken=" .. csrf .. "&name=Bench+Writer&email=" .. tag .. "-" ..
    id .. "-" .. n .. "%40bench.example&street=1+Main+St&city=Seattle&zip=98105" ..
    "&district=WA-7&paragraph=It+matters+to+me."
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count_status(status, headers)
end
