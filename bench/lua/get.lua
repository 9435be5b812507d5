-- Reads: a page, the count endpoint or an API list. Env: BENCH_PATH, BENCH_TOKEN (optional:
-- sent as Authorization: Bearer).
dofile("bench/lua/common.lua")

function init(args)
  statuses = {}
  wrk.path = os.getenv("BENCH_PATH")
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
end

function response(status, headers, body)
  count_status(status, headers)
end
