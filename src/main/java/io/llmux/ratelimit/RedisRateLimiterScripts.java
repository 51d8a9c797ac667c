package io.llmux.ratelimit;

import io.llmux.redis.RedisScript;

/**
 * The Lua behind {@link RedisRateLimiter}: one script per call, so each is one round trip and atomic across every
 * limit it names. KEYS: one per limit ({@link RateLimitKeys}). Time is Redis {@code TIME} (SPEC §9), so replicas
 * whose clocks disagree still share one window; ARGV[1] shifts it, 0 except in tests, which cannot wait a minute.
 * Numbers are integers throughout; every number written goes through {@code string.format('%d')}, since Lua would
 * write a large one as 1.7e+12.
 */
final class RedisRateLimiterScripts {
    private RedisRateLimiterScripts() {}

    /**
     * A window's hash holds its buckets (field: epoch second) and three fields of its own, which no second can be:
     * {@code sum} (what the buckets hold), {@code old} (no bucket is older) and {@code new} (the newest bucket). With
     * them an admission reads three fields and drops the seconds that left the window since the last one (usually none
     * or one), where reading every bucket cost Redis about 50 µs per window at 60 buckets. A hash without {@code sum}
     * (written before these fields, or recreated by a late correction after it expired) is summed once from its
     * buckets.
     *
     * <p>{@code now()}: epoch ms from Redis TIME plus the shift; {@code window(key, first)}: sum and newest second,
     * after dropping buckets older than {@code first}; {@code buckets(key, first)}: the buckets in the window, oldest
     * first (refusals only); {@code add(key, second, amount, newest)}: adds to a bucket, given the
     * window's newest second; {@code correct(...)}: a settlement's
     * token correction ({@link Window}).
     */
    private static final String COMMON = """
            local function fmt(x) return string.format('%d', x) end
            local function now()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
            end
            local function rebuild(key, first)
              local h = redis.call('HGETALL', key)
              local sum, old, newest, stale = 0, nil, nil, {}
              for j = 1, #h, 2 do
                local s = tonumber(h[j])
                if s ~= nil and h[j] == fmt(s) then
                  if s < first then stale[#stale + 1] = h[j]
                  else
                    sum = sum + tonumber(h[j + 1])
                    if old == nil or s < old then old = s end
                    if newest == nil or s > newest then newest = s end
                  end
                end
              end
              if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
              if newest == nil then
                redis.call('HDEL', key, 'sum', 'old', 'new')
                return 0, nil
              end
              redis.call('HSET', key, 'sum', fmt(sum), 'old', fmt(old), 'new', fmt(newest))
              return sum, newest
            end
            local function window(key, first)
              local m = redis.call('HMGET', key, 'sum', 'old', 'new')
              local sum, old, newest = tonumber(m[1]), tonumber(m[2]), tonumber(m[3])
              if sum == nil or old == nil or newest == nil or first - old > 120 then return rebuild(key, first) end
              if old < first then
                local gone = {}
                for s = old, first - 1 do gone[#gone + 1] = fmt(s) end
                local held = redis.call('HMGET', key, unpack(gone))
                for j = 1, #held do sum = sum - (tonumber(held[j]) or 0) end
                redis.call('HDEL', key, unpack(gone))
                if newest < first then
                  redis.call('HDEL', key, 'sum', 'old', 'new')
                  return 0, nil
                end
                redis.call('HSET', key, 'sum', fmt(sum), 'old', fmt(first))
              end
              return sum, newest
            end
            local function buckets(key, first)
              local h = redis.call('HGETALL', key)
              local list = {}
              for j = 1, #h, 2 do
                local s = tonumber(h[j])
                if s ~= nil and h[j] == fmt(s) and s >= first then list[#list + 1] = {s, tonumber(h[j + 1])} end
              end
              table.sort(list, function(a, b) return a[1] < b[1] end)
              return list
            end
            local function add(key, second, amount, newest)
              redis.call('HINCRBY', key, fmt(second), fmt(amount))
              redis.call('HINCRBY', key, 'sum', fmt(amount))
              if newest == nil then
                redis.call('HSET', key, 'old', fmt(second), 'new', fmt(second))
              elseif second > newest then
                redis.call('HSET', key, 'new', fmt(second))
              else
                return
              end
              -- once per second is enough: a bucket leaves the window 60 s after its second began, the key 61 s after
              redis.call('PEXPIRE', key, 61000)
            end
            local function correct(key, admitted, second, delta)
              local _, newest = window(key, second - 59)
              local held = nil
              if admitted > second - 60 then held = tonumber(redis.call('HGET', key, fmt(admitted))) end
              if held ~= nil then
                local now_held = math.max(0, held + delta)
                local sum = tonumber(redis.call('HGET', key, 'sum')) or 0
                redis.call('HSET', key, fmt(admitted), fmt(now_held), 'sum', fmt(sum + now_held - held))
              elseif delta > 0 then
                add(key, second, delta, newest)
              end
            end
            """;

    /**
     * Admits on every limit or on none, after freeing the parallel slots this replica released and Redis has not
     * confirmed yet (whatever the admission's outcome). KEYS: one per limit, then one per release. ARGV: shift,
     * admission id, token estimate, lease ms, number of limits n, then per limit its kind ({@code rpm}, {@code tpm},
     * {@code parallel}) and value, then per release its member. Returns {@code {0, now, remaining1, reset1, ...}} when
     * admitted, {@code {i, now, remaining, reset, retryAfter}} naming the first limit that refuses (durations in ms).
     */
    static final RedisScript ADMIT = new RedisScript(COMMON + """
            local t = now()
            local second = math.floor(t / 1000)
            local first = second - 59
            local estimate, lease, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
            for j = n + 1, #KEYS do redis.call('ZREM', KEYS[j], ARGV[5 + n + j]) end
            local result = {0, t}
            local needs, newests = {}, {}
            for i = 1, n do
              local kind, max = ARGV[4 + 2 * i], tonumber(ARGV[5 + 2 * i])
              if kind == 'parallel' then
                redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', fmt(t))
                local open = redis.call('ZCARD', KEYS[i])
                if open + 1 > max then return {i, t, math.max(0, max - open), 0, 1000} end
                result[#result + 1] = max - open - 1
                result[#result + 1] = 0
              else
                local need = 1
                if kind == 'tpm' then need = estimate end
                needs[i] = need
                local used, newest = window(KEYS[i], first)
                newests[i] = newest
                local emptyAt = t
                if newest ~= nil then emptyAt = (newest + 60) * 1000 end
                if used + need > max then
                  local retryAt, freed = t + 60000, 0
                  for _, b in ipairs(buckets(KEYS[i], first)) do
                    freed = freed + b[2]
                    if used - freed + need <= max then retryAt = (b[1] + 60) * 1000; break end
                  end
                  return {i, t, math.max(0, max - used), emptyAt - t, retryAt - t}
                end
                if need > 0 then emptyAt = (second + 60) * 1000 end
                result[#result + 1] = max - used - need
                result[#result + 1] = emptyAt - t
              end
            end
            for i = 1, n do
              if ARGV[4 + 2 * i] == 'parallel' then
                redis.call('ZADD', KEYS[i], fmt(t + lease), ARGV[2])
                redis.call('PEXPIRE', KEYS[i], fmt(lease))
              elseif needs[i] > 0 then
                add(KEYS[i], second, needs[i], newests[i])
              end
            end
            return result
            """);

    /**
     * Settles an admission. ARGV: shift, admission id, its second, tokens actual minus estimated, then per limit its
     * kind. Frees parallel slots; replaces a TPM estimate with the real count while its second is in the window,
     * else adds an excess to the current second ({@link Window}).
     */
    static final RedisScript SETTLE = new RedisScript(COMMON + """
            local t = now()
            local second = math.floor(t / 1000)
            local admitted, delta = tonumber(ARGV[3]), tonumber(ARGV[4])
            for i = 1, #KEYS do
              local kind = ARGV[4 + i]
              if kind == 'parallel' then
                redis.call('ZREM', KEYS[i], ARGV[2])
              elseif kind == 'tpm' and delta ~= 0 then
                correct(KEYS[i], admitted, second, delta)
              end
            end
            return 1
            """);

    /**
     * Token corrections of many admissions at once, as {@link #SETTLE} makes them. ARGV: shift, then per admission its
     * second, tokens actual minus estimated, and how many of the KEYS (its tpm counters, in order) are its.
     */
    static final RedisScript CORRECT = new RedisScript(COMMON + """
            local second = math.floor(now() / 1000)
            local k = 1
            for i = 2, #ARGV, 3 do
              local admitted, delta, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
              for j = k, k + n - 1 do correct(KEYS[j], admitted, second, delta) end
              k = k + n
            end
            return 1
            """);
}
