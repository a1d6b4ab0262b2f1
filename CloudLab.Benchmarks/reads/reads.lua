-- wrk script of compare.sh. With READS_IDS (a file of product ids, one a line) each request asks for the next id
-- under READS_PREFIX, cycling; without it every request is the URL's own path (and the -H headers).
-- At the end it prints one line that compare.sh reads: RESULT requests=… duration_us=… p50_us=… p99_us=… …
local ids_file = os.getenv("READS_IDS")

if ids_file and ids_file ~= "" then
  local prefix = os.getenv("READS_PREFIX") or "/api/products/"
  local paths = {}
  for id in io.lines(ids_file) do
    if id ~= "" then
      paths[#paths + 1] = prefix .. id
    end
  end
  local next_index = 0

  init = function(args)
    -- The threads start half a cycle apart (offset is set by setup below), not on the same id at the same moment.
    next_index = (offset or 0) % #paths
  end

  request = function()
    next_index = next_index % #paths + 1
    return wrk.format("GET", paths[next_index])
  end
end

local thread_count = 0
setup = function(thread)
  thread:set("offset", thread_count * 500)
  thread_count = thread_count + 1
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
