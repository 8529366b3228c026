-- The one wrk script of `make bench` (scripts/bench.sh), driven by environment variables so that every
-- row ends the same way: a JSON line in BENCH_OUT that `Modular.Bench report` reads.
--   BENCH_MODE     get (GET of the URL's path) | me (GET with BENCH_TOKEN) | login (BENCH_EMAIL) | register
--   BENCH_PORTS    comma list: the threads are spread over these ports of 127.0.0.1 (two gateways)
--   BENCH_PREFIX   register: a random prefix of this run; with a per-thread counter every e-mail is new
--   BENCH_OUT, BENCH_TOPOLOGY, BENCH_ROW   where the result goes and what it is
local mode = os.getenv("BENCH_MODE") or "get"
local password = "bench password 1"

wrk.headers["Accept"] = "application/json"
if mode == "me" then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
elseif mode == "login" then
  wrk.method = "POST"
  wrk.path = "/api/v1/auth/login"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"), password)
elseif mode == "register" then
  -- The warm-up run counts from 1 too: its phase keeps its e-mails apart from the measured run's.
  local prefix = (os.getenv("BENCH_PREFIX") or tostring(os.time())) .. "-" .. (os.getenv("BENCH_PHASE") or "")
  local counter = 0
  -- Defined only here: without a request() wrk sends one pre-built request, which is cheaper for the others.
  function request()
    counter = counter + 1
    local body = string.format('{"email":"%s-%d-%d@bench.test","password":"%s","name":"Bench User"}',
      prefix, tid or 0, counter, password)
    return wrk.format("POST", "/api/v1/auth/register", { ["Content-Type"] = "application/json" }, body)
  end
end

local threads = 0
local addrs = nil
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
  local ports = os.getenv("BENCH_PORTS")
  if ports and ports ~= "" then
    if not addrs then
      addrs = {}
      for port in string.gmatch(ports, "[^,]+") do
        for _, addr in ipairs(wrk.lookup("127.0.0.1", port)) do table.insert(addrs, addr) end
      end
    end
    thread.addr = addrs[(threads - 1) % #addrs + 1]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  local line = string.format(
    '{"kind":"wrk","topology":"%s","row":"%s","requests":%d,"errors":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.3f,"p99_ms":%.3f}',
    os.getenv("BENCH_TOPOLOGY") or "", os.getenv("BENCH_ROW") or "", summary.requests, errors, seconds,
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000)
  local out = os.getenv("BENCH_OUT")
  if out then
    local f = assert(io.open(out, "a"))
    f:write(line, "\n")
    f:close()
  end
  io.stderr:write(string.format("[bench] %s %s: %.1f req/s, p50 %.2f ms, p99 %.2f ms, %d errors (status %d, timeout %d)\n",
    os.getenv("BENCH_TOPOLOGY") or "", os.getenv("BENCH_ROW") or "", summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, e.status, e.timeout))
end
