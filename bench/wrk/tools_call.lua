-- wrk script: stateless (2026-07-28) tools/call of a trivial demo tool over keep-alive.
-- Every request carries the headers and _meta the modern era requires, so no session is needed.
-- With BENCH_TOKEN set, every request also carries `Authorization: Bearer $BENCH_TOKEN` (the
-- authenticated run: same requests, same server code, plus the resource server's checks).
-- BENCH_TOOL and BENCH_ARGS (a JSON object) call another tool (bench/guarded_tools.sh); a result
-- with isError counts as a bad response.
local tool = os.getenv("BENCH_TOOL") or "count_text"
local args = os.getenv("BENCH_ARGS") or '{"text":"hello bench"}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = tool
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool .. '",' ..
  '"arguments":' .. args .. ',"_meta":{' ..
  '"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
  '"io.modelcontextprotocol/clientCapabilities":{}}}}'

local bad = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or
      string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
    if bad == 1 then
      io.stderr:write("unexpected response: ", status, " ", body, "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("calls_per_s %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
