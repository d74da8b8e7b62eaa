-- The API load bench's mix for wrk (one wrk per service, one connection per thread).
--
--   wrk -t N -c N -d 30s -s bench/_load_mix.lua http://127.0.0.1:PORT -- SERVICE DATA.lua RATE
--
-- DATA.lua (written by api_load.py) returns {tenants = {...}, mix = {service = {label, ...}}}:
-- each tenant's tokens and account ids, and each service's labels repeated by weight. RATE is
-- requests per second per thread (per connection): 0 is a closed loop (the next request when
-- the answer came), else an open loop on a fixed schedule, wrk2's way: each request has a
-- scheduled start, a late answer makes the next request go at once, and its latency counts from
-- its scheduled start (coordinated omission corrected). done() prints one line, "WRKJSON {...}":
-- answers and errors by label, latencies (ms) by label as comma-separated text.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wanzo_timespec;
  int clock_gettime(int clock_id, wanzo_timespec *tp);
]]
local clock = ffi.new("wanzo_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function hex(digits)
  local out = {}
  for i = 1, digits do out[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(out)
end

local function uuid4()
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" ..
      string.format("%x", math.random(8, 11)) .. hex(3) .. "-" .. hex(12)
end

function init(args)
  service = args[1]
  local data = dofile(args[2])
  local rate = tonumber(args[3]) or 0
  tenants, labels, today = data.tenants, data.mix[service], data.today
  period = rate > 0 and 1000 / rate or 0
  math.randomseed(thread_number * 7919 + os.time())
  -- wrk copies a thread's flat tables for done() (nested ones crash it): latencies are kept
  -- as text in chunks of 64, "label#3" -> "12.34,4.50,...", the last chunk rewritten as it grows.
  counts, errors, latencies, buffers, chunks = {}, {}, {}, {}, {}
  next_at, scheduled, current = nil, 0, nil
end

local function json_body(label, tenant)
  if label == "POST sync batch (3 items)" then
    local record = uuid4()
    return "/api/sync/", tenant.clerk, string.format(
      '{"items": [' ..
      '{"id": "%s", "data_type": "customer", "operation": "create", "record_id": "%s", ' ..
      '"payload": {"name": "Walk-in customer"}}, ' ..
      '{"id": "%s", "data_type": "product", "operation": "create", ' ..
      '"payload": {"name": "Bag of rice", "price": "12.50", "currency": "USD"}}, ' ..
      '{"id": "%s", "data_type": "customer", "operation": "update", "record_id": "%s", ' ..
      '"version": 1, "payload": {"name": "Regular customer"}}]}',
      uuid4(), record, uuid4(), uuid4(), record)
  elseif label == "POST sale" then
    return "/api/sales/", tenant.clerk, string.format(
      '{"transaction_id": "%s", "amount": "%d.50", "currency": "USD", ' ..
      '"category": "retail", "date": "%s"}', uuid4(), math.random(5, 900), today)
  elseif label == "POST journal entry" then
    local amount = string.format("%d.00", math.random(10, 5000))
    return "/api/journal-entries/", tenant.owner, string.format(
      '{"journal_type": "general", "currency": "USD", "description": "bench posting", ' ..
      '"lines": [{"account": "%s", "debit": "%s"}, {"account": "%s", "credit": "%s"}]}',
      tenant.cash, amount, tenant.equity, amount)
  end
end

local GETS = {
  ["GET subscription current"] = function(t) return "/api/subscriptions/current/" end,
  ["GET trial balance"] = function(t) return "/api/trial-balance/" end,
  ["GET account balance"] = function(t) return "/api/accounts/" .. t.cash .. "/balance/" end,
}

function delay()
  if period == 0 then return 0 end
  local now = now_ms()
  if next_at == nil then next_at = now + math.random() * period end -- spread the threads
  return math.max(0, math.ceil(next_at - now)) -- wrk truncates to whole ms: never early
end

function request()
  current = labels[math.random(#labels)]
  local tenant = tenants[math.random(#tenants)]
  if period > 0 then
    scheduled = next_at or now_ms()
    next_at = scheduled + period
  else
    scheduled = now_ms()
  end
  local get = GETS[current]
  if get then
    return wrk.format("GET", get(tenant), { ["Authorization"] = "Bearer " .. tenant.owner })
  end
  local path, token, body = json_body(current, tenant)
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  local elapsed = now_ms() - scheduled
  if status < 400 then
    counts[current] = (counts[current] or 0) + 1
    local buffer = buffers[current]
    if buffer == nil then
      buffer, chunks[current] = {}, 1
      buffers[current] = buffer
    end
    buffer[#buffer + 1] = string.format("%.2f", elapsed)
    latencies[current .. "#" .. chunks[current]] = table.concat(buffer, ",")
    if #buffer >= 64 then
      buffers[current], chunks[current] = {}, chunks[current] + 1
    end
  else
    local key = current .. " " .. status
    errors[key] = (errors[key] or 0) + 1
  end
end

local function encode(value)
  if type(value) == "table" then
    if #value > 0 then
      local parts = {}
      for i, item in ipairs(value) do parts[i] = encode(item) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local parts = {}
    for key, item in pairs(value) do parts[#parts + 1] = string.format("%q:%s", key, encode(item)) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "number" then
    return string.format("%.3f", value)
  end
  return string.format("%q", tostring(value))
end

function done(summary, latency, requests)
  local all = { counts = {}, errors = {}, latencies = {}, socket_errors = summary.errors }
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do all.counts[key] = (all.counts[key] or 0) + n end
    for key, n in pairs(thread:get("errors")) do all.errors[key] = (all.errors[key] or 0) + n end
    for key, text in pairs(thread:get("latencies")) do
      local label = key:match("^(.*)#%d+$")
      all.latencies[label] = all.latencies[label] and (all.latencies[label] .. "," .. text) or text
    end
  end
  all.duration_s = summary.duration / 1e6
  io.write("WRKJSON " .. encode(all) .. "\n")
end
