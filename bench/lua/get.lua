-- Reads: a page or the count endpoint. Env: BENCH_PATH.
dofile("bench/lua/common.lua")

function init(args)
  statuses = {}
  wrk.path = os.getenv("BENCH_PATH")
end

function response(status, headers, body)
  count_status(status, headers)
end
