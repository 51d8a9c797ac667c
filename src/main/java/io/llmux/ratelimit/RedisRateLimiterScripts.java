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
     * {@code now()}: epoch ms from Redis TIME plus the shift; {@code window(key, first)}: sum, buckets (unordered) and
     * the newest bucket's second, dropping buckets older than {@code first}.
     */
    private static final String COMMON = """
            local function fmt(x) return string.format('%d', x) end
            local function now()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
            end
            local function window(key, first)
              local h = redis.call('HGETALL', key)
              local sum, buckets, stale, newest = 0, {}, {}, nil
              for j = 1, #h, 2 do
                local s, v = tonumber(h[j]), tonumber(h[j + 1])
                if s < first then stale[#stale + 1] = h[j]
                else
                  sum = sum + v; buckets[#buckets + 1] = {s, v}
                  if newest == nil or s > newest then newest = s end
                end
              end
              if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
              return sum, buckets, newest
            end
            local function correct(key, admitted, second, delta)
              local held = nil
              if admitted > second - 60 then held = tonumber(redis.call('HGET', key, fmt(admitted))) end
              if held ~= nil then
                redis.call('HSET', key, fmt(admitted), fmt(math.max(0, held + delta)))
              elseif delta > 0 then
                redis.call('HINCRBY', key, fmt(second), fmt(delta))
                redis.call('PEXPIRE', key, 61000)
              end
            end
            """;

    /**
     * Admits on every limit or on none. ARGV: shift, admission id, token estimate, lease ms, then per limit its kind
     * ({@code rpm}, {@code tpm}, {@code parallel}) and value. Returns {@code {0, now, remaining1, reset1, ...}} when
     * admitted, {@code {i, now, remaining, reset, retryAfter}} naming the first limit that refuses (durations in ms).
     */
    static final RedisScript ADMIT = new RedisScript(COMMON + """
            local t = now()
            local second = math.floor(t / 1000)
            local first = second - 59
            local estimate, lease = tonumber(ARGV[3]), tonumber(ARGV[4])
            local result = {0, t}
            local needs = {}
            for i = 1, #KEYS do
              local kind, max = ARGV[3 + 2 * i], tonumber(ARGV[4 + 2 * i])
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
                local used, buckets, newest = window(KEYS[i], first)
                local emptyAt = t
                if newest ~= nil then emptyAt = (newest + 60) * 1000 end
                if used + need > max then
                  -- only a refusal needs the buckets in order: sorting on every admission cost Redis the most
                  table.sort(buckets, function(a, b) return a[1] < b[1] end)
                  local retryAt, freed = t + 60000, 0
                  for _, b in ipairs(buckets) do
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
            for i = 1, #KEYS do
              if ARGV[3 + 2 * i] == 'parallel' then
                redis.call('ZADD', KEYS[i], fmt(t + lease), ARGV[2])
                redis.call('PEXPIRE', KEYS[i], fmt(lease))
              elseif needs[i] > 0 then
                redis.call('HINCRBY', KEYS[i], fmt(second), fmt(needs[i]))
                redis.call('PEXPIRE', KEYS[i], 61000)
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
