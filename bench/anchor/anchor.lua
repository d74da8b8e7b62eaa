-- wrk script of the anchor: one JSON write per request with a bearer token (ANCHOR_TOKEN).
local token = os.getenv("ANCHOR_TOKEN")
wrk.method = "POST"
wrk.body = '{"text": "bench note", "amount": "12.50"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
