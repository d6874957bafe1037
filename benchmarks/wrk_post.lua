-- wrk script: POST the original 7-price body as JSON
wrk.method = "POST"
wrk.body   = '{"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}'
wrk.headers["Content-Type"] = "application/json"

-- WRK_PAUSE_MS: each connection waits this long after every response, so the offered load is
-- a set rate (connections / pause) instead of as many requests as the server can take
local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "")
if pause then
  function delay() return pause end
end
