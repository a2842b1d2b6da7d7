"""The Lua the shared budget runs in Redis: the limiter of ``mettl_async.core.ratelimit``, atomically.

Each script reads the budget's state, applies one step of the in-process
limiter's policy (GCRA pacing; told a rate, pace at it; not told, send unpaced
until a first 429; at a 429, pace just under what got through since the last
pause when that can be measured, else at half the rate sent; once a second of
clean responses, recover quickly to just under the limit, then probe gently; a
pause every process honours) and writes the state back.
Times come from Redis's clock (``TIME``), so processes whose clocks differ share
one timeline; a process only ever sleeps for a *duration* Redis computed.

Lua numbers are doubles, and a number a script returns is cut to an integer, so
times travel as ``%.6f`` strings (exact to the microsecond) and the nonce
counter is read back with GET (exact to 64 bits), never as a Lua number.
"""

from __future__ import annotations

# KEYS[1]: the budget's state (hash); KEYS[2]: when requests were reserved while unpaced
# (sorted set); KEYS[3]: processes seen lately (sorted set).
# ARGV[1..5]: the caller's settings: told rate, ceiling ('' = none), floor, burst, seconds the
# state outlives its last use. ARGV[6..13]: the policy (ratelimit.py's DECREASE, INCREASE,
# MIN_STEP, MAX_PAUSE, WINDOW, SETTLE, MEASURE, RECOVER). ARGV[14]: a test clock ('' = Redis's
# own). ARGV[15..]: per script.
_PRELUDE = """
local told, ceiling = tonumber(ARGV[1]), tonumber(ARGV[2])
local floor, burst, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local DECREASE, INCREASE, MIN_STEP = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local MAX_PAUSE, WINDOW = tonumber(ARGV[9]), tonumber(ARGV[10])
local SETTLE, MEASURE, RECOVER = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local now = tonumber(ARGV[14])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local limit = math.min(told or math.huge, ceiling or math.huge)
local s = redis.call('HMGET', KEYS[1], 'rate', 'tat', 'paused_until', 'calm_after', 'raised_at', 'pauses',
                    'peak', 'clean', 'calm_since')
-- rate: requests per second (nil: unpaced); tat: the next slot (GCRA's theoretical arrival
-- time); paused_until: a 429 holds everyone until then; calm_after: 429s before it belong to
-- the congestion already answered; raised_at: when the rate last rose; pauses: 429s so far;
-- peak: the limit measured (or guessed) at the last 429; clean: clean answers since calm_since.
local rate, tat = tonumber(s[1]), tonumber(s[2]) or now
local paused_until, calm_after = tonumber(s[3]) or 0, tonumber(s[4]) or 0
local raised_at, pauses = tonumber(s[5]), tonumber(s[6]) or 0
local peak, clean, calm_since = tonumber(s[7]), tonumber(s[8]) or 0, tonumber(s[9])
-- Told a rate (or given a ceiling): paced from the first request. Otherwise unpaced until a 429.
if not rate and limit < math.huge then rate = limit end
local function f(x) return string.format('%.6f', x) end
local function save()
  redis.call('HSET', KEYS[1], 'tat', f(tat), 'paused_until', f(paused_until),
             'calm_after', f(calm_after), 'pauses', pauses)
  if rate then redis.call('HSET', KEYS[1], 'rate', f(rate)) end
  if raised_at then redis.call('HSET', KEYS[1], 'raised_at', f(raised_at))
  else redis.call('HDEL', KEYS[1], 'raised_at') end
  if peak then redis.call('HSET', KEYS[1], 'peak', f(peak)) end
  redis.call('HSET', KEYS[1], 'clean', clean)
  if calm_since then redis.call('HSET', KEYS[1], 'calm_since', f(calm_since)) end
  redis.call('EXPIRE', KEYS[1], ttl)
end
"""

#: Take the next slot. ARGV[15]: the pause count a caller slept under ('' = a new request): if
#: no 429 came since, its slot stands. ARGV[16]: this process's token to count as alive ('' = not
#: now); ARGV[17]: seconds a process counts as alive. Returns {wait, pauses, rate or '', processes
#: alive or -1}.
ACQUIRE = (
    _PRELUDE
    + """
local peers = -1
if ARGV[16] ~= '' then
  redis.call('ZADD', KEYS[3], now, ARGV[16])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. f(now - tonumber(ARGV[17])))
  redis.call('EXPIRE', KEYS[3], ttl)
  peers = redis.call('ZCARD', KEYS[3])
end
local wait = 0
if tonumber(ARGV[15]) ~= pauses then
  if rate then
    -- GCRA: each request takes the slot at tat; up to burst - 1 slots may be taken early.
    local slot = math.max(tat, now)
    tat = slot + 1 / rate
    wait = math.max(0, slot - (burst - 1) / rate - now)
  else
    -- Unpaced: only a pause holds callers. Note the time, so a first 429 knows the rate sent.
    local n = redis.call('HINCRBY', KEYS[1], 'sent', 1)
    redis.call('ZADD', KEYS[2], now, n)
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. f(now - WINDOW))
    redis.call('EXPIRE', KEYS[2], math.ceil(2 * WINDOW))
    wait = math.max(0, paused_until - now)
  end
  save()
end
return {f(wait), tostring(pauses), rate and f(rate) or '', tostring(peers)}
"""
)

#: A 429. ARGV[15]: the server's Retry-After in seconds ('' = none). Returns {rate, pause}.
THROTTLED = (
    _PRELUDE
    + """
pauses = pauses + 1
if now >= calm_after or not rate then
  -- A new congestion: lower the rate once (from the rate sent, when nothing was paced).
  local current = rate
  if not current then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. f(now - WINDOW))
    local n = redis.call('ZCARD', KEYS[2])
    current = floor
    if n > 0 then
      local first = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
      current = n / math.min(math.max(now - first, 1 / n, 0.05), WINDOW)
    end
  end
  local span = calm_since and (now - calm_since) or 0
  local accepted = nil
  if span >= MEASURE then accepted = clean / span end
  if accepted and accepted >= current * DECREASE and accepted < current then
    -- Sending above the limit for a while: what got through is the limit.
    peak = accepted
    rate = math.max(floor, accepted * SETTLE)
  else
    peak = current
    rate = math.max(floor, current * DECREASE)
  end
  raised_at = nil
end
local retry = tonumber(ARGV[15])
local pause = retry and math.min(retry, MAX_PAUSE) or 1 / rate
paused_until = math.max(paused_until, now + pause)
-- The next slot is the pause's end with the whole burst spent; answers to requests sent
-- before the pause ends are the same congestion.
tat = math.max(tat, paused_until + (burst - 1) / rate)
calm_after = math.max(calm_after, paused_until + 1 / rate)
calm_since, clean = calm_after, 0
save()
return {f(rate), f(paused_until - now)}
"""
)

#: Clean responses (ARGV[15]: how many, counted since the last call): count them towards the
#: limit a 429 measures; raise the rate towards the limit, at most once a second. Returns the rate.
SUCCEEDED = (
    _PRELUDE
    + """
if not calm_since then calm_since = now end
if now >= calm_since then clean = clean + (tonumber(ARGV[15]) or 1) end
if rate and rate < limit and now >= calm_after then
  if not raised_at then
    raised_at = now
  elseif now - raised_at >= 1 then
    local elapsed = now - raised_at
    local settled = peak and peak * SETTLE or math.huge
    if rate < settled then
      -- Back towards just under the last 429's limit, quickly.
      rate = math.min(limit, settled, rate + math.max(MIN_STEP, rate * RECOVER) * elapsed)
    else
      -- Then probe for more, gently.
      rate = math.min(limit, rate + math.max(MIN_STEP, rate * INCREASE) * elapsed)
    end
    raised_at = now
  end
end
save()
return rate and f(rate) or ''
"""
)

#: A block of nonces. KEYS[1]: the counter; ARGV[1]: the block's size; ARGV[2]: seconds the
#: counter outlives its last use. The counter starts at Redis's clock in microseconds x 1000 (the
#: scale of the in-process nonces), so one restarted without its data starts above every value
#: it gave before. Returns the block's last value, as text.
NONCE_BLOCK = """
local t = redis.call('TIME')
redis.call('SET', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])) .. '000', 'NX')
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('GET', KEYS[1])
"""
