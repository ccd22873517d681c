-- wrk script: MCP tools/call over Streamable HTTP (2025-11-25 era, one session reused by every
-- connection), a unique JSON-RPC id and argument per request. Settings from the environment:
--   BENCH_TOOL (tool name), BENCH_SESSION (Mcp-Session-Id, may be empty), BENCH_KEY (bearer, may be empty)
-- done() prints one machine-readable line: "BENCH rps=... p50_us=... p99_us=... requests=... errors=..."
local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

local counter = 0
local tool, headers

function init(args)
  tool = os.getenv("BENCH_TOOL") or "echo"
  headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2025-11-25",
  }
  local session = os.getenv("BENCH_SESSION") or ""
  if session ~= "" then headers["Mcp-Session-Id"] = session end
  local key = os.getenv("BENCH_KEY") or ""
  if key ~= "" then headers["Authorization"] = "Bearer " .. key end
end

function request()
  counter = counter + 1
  local id = thread_no * 1000000000 + counter
  local body = '{"jsonrpc":"2.0","id":' .. id .. ',"method":"tools/call","params":{"name":"' .. tool
    .. '","arguments":{"text":"hello ' .. id .. '"}}}'
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("BENCH rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, errors))
end
