-- wrk script of the benchmark: POSTs one fixed JSON-RPC message and counts the answers that
-- must not be measured, so run.ts can refuse a run that timed error responses.
--
--   BENCH_BODY='{"jsonrpc":"2.0",...}' BENCH_HEADERS=$'Content-Type: application/json\n...' \
--   [BENCH_CHECK=every-answer] wrk -t2 -c50 -d10s --latency -s scripts/bench/post.lua URL
--
-- With BENCH_CHECK=every-answer, each answer goes through response(): an HTTP status other than
-- 200 counts in bad-status, a 200 whose body holds a JSON-RPC or tool error in error-bodies.
-- That costs wrk a copy of each body and a Lua call: about 12% of the bare server's rate for the
-- status alone and half of it with the body search (30 KB answers, 2 cores). So run.ts checks
-- every answer in the warm-up only; the measured run counts with wrk's own C counter (status
-- above 399), and run.ts checks its bytes-per-answer, which a share of short error answers
-- would bring below the size of a good body.
--
-- Prints "bench-check: mode=M bad-status=N error-bodies=N bytes-per-answer=B" after the report.

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

local every_answer = os.getenv("BENCH_CHECK") == "every-answer"
-- Each wrk thread runs its own Lua state; done() runs in the main one and reads the threads' counts.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  error_bodies = 0
end

if every_answer then
  function response(status, headers, body)
    if status ~= 200 then
      bad_status = bad_status + 1
    elseif body:find('"isError":true', 1, true) or body:find('"error":{', 1, true) then
      error_bodies = error_bodies + 1
    end
  end
end

function done(summary, latency, requests)
  local bad, errors = summary.errors.status, 0
  if every_answer then
    bad = 0
    for _, thread in ipairs(threads) do
      bad = bad + thread:get("bad_status")
      errors = errors + thread:get("error_bodies")
    end
  end
  io.write(string.format("bench-check: mode=%s bad-status=%d error-bodies=%d bytes-per-answer=%.1f\n",
    every_answer and "every-answer" or "status-over-399", bad, errors, summary.bytes / math.max(summary.requests, 1)))
end
