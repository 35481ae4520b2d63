-- wrk script for bench_api.py: GET one path per request for a random subject of USCC_FILE.
local usccs = {}
for line in io.lines(os.getenv("USCC_FILE")) do usccs[#usccs + 1] = line end
local template = os.getenv("PATH_TEMPLATE")  -- e.g. /v1/subjects/%s/grade
local headers = {["X-API-Key"] = os.getenv("API_KEY")}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local path = string.format(template, usccs[math.random(#usccs)])
  return wrk.format("GET", path, headers)
end
