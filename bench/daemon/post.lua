-- wrk script: POST one AuthZEN evaluation request (file given as the first script argument)
-- over keep-alive connections, and report the non-200 answers.
local body_file = nil
function init(args)
  body_file = args[1]
  local f = assert(io.open(body_file, "r"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
