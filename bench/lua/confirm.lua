-- Confirmation surge: each thread follows its own slice of the links in BENCH_LINKS.
dofile("bench/lua/common.lua")

function init(args)
  statuses = {}
  links = {}
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local i = 0
  for line in io.lines(os.getenv("BENCH_LINKS")) do
    if i % nthreads == id then table.insert(links, line) end
    i = i + 1
  end
  k = 0
end

function request()
  count_request()
  k = k + 1
  if k > #links then k = 1 end  -- past the end, links repeat and answer 409 (already used)
  return wrk.format("GET", links[k])
end

function response(status, headers, body)
  count_status(status, headers)
end
