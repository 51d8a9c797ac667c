package io.llmux.budget;

import io.llmux.redis.RedisScript;

/**
 * The Lua behind {@link RedisLedger}: one script per call, so each is one round trip and atomic across every scope
 * it names. KEYS come in pairs per scope, counter then reservations ({@link LedgerKeys}); times come through ARGV
 * from the replica's clock. Amounts are integers throughout, and every number written goes through
 * {@code string.format('%d')}: Lua would write 1e+17 for a large one, which Redis could not add to afterwards.
 */
final class RedisLedgerScripts {
    private RedisLedgerScripts() {}

    /**
     * {@code current(counter, reservations, periodEnd, base, now)}: brings a counter to the scope's period by the
     * rules of {@link Periods}, drops lapsed reservations, and returns spent and reserved.
     *
     * <p>The database's spend ({@code base}) raises the counter only by what it holds beyond the counter's spent and
     * open reservations together. A settlement is held back for up to 50 ms while the spend log writer may already
     * have put the same cost in the database: raising spent to the database's figure then, and adding the cost again
     * when the settlement lands, counted that request twice, for good. An open reservation holds its estimate, so
     * the database can only be ahead of spent plus reservations when a settlement never reached Redis (a failed
     * flush), which is what the raise is for; that is caught up once its reservation lapses.
     */
    private static final String CURRENT = """
            local function fmt(x) return string.format('%d', x) end
            local function effective(e) if e == 0 then return math.huge end return e end
            local function current(counter, reservations, periodEnd, base, now)
              local c = redis.call('HMGET', counter, 'end', 'spent', 'res')
              local seen = tonumber(c[1])
              if seen == nil or effective(periodEnd) > effective(seen)
                  or (periodEnd ~= seen and periodEnd > now) then
                redis.call('DEL', reservations)
                redis.call('HSET', counter, 'end', fmt(periodEnd), 'spent', fmt(base), 'res', '0')
                return base, 0
              end
              local spent = tonumber(c[2]) or 0
              local reserved = tonumber(c[3]) or 0
              local lapsed = redis.call('ZRANGEBYSCORE', reservations, '-inf', now)
              if #lapsed > 0 then
                for _, member in ipairs(lapsed) do
                  reserved = reserved - tonumber(string.match(member, '(%d+)$'))
                end
                if reserved < 0 then reserved = 0 end
                redis.call('ZREMRANGEBYSCORE', reservations, '-inf', now)
                redis.call('HSET', counter, 'res', fmt(reserved))
              end
              if periodEnd == seen and base - reserved > spent then
                spent = base - reserved
                redis.call('HSET', counter, 'spent', fmt(spent))
              end
              return spent, reserved
            end
            """;

    /**
     * Reserves on every scope or on none. ARGV: now, member, estimate, lapse time, then per scope period end, base,
     * max (negative: no budget), expiry. Returns {@code {0, used1, used2, ...}} (spent + reserved before) when taken,
     * {@code {i, used}} naming the first scope that refuses.
     */
    static final RedisScript RESERVE = new RedisScript(CURRENT + """
            local now = tonumber(ARGV[1])
            local estimate = tonumber(ARGV[3])
            local n = #KEYS / 2
            local result = {0}
            for i = 1, n do
              local a = 4 + 4 * (i - 1)
              local spent, reserved = current(KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[a + 1]),
                  tonumber(ARGV[a + 2]), now)
              redis.call('PEXPIREAT', KEYS[2 * i - 1], ARGV[a + 4])
              local used = spent + reserved
              local max = tonumber(ARGV[a + 3])
              if max >= 0 and (used >= max or used + estimate > max) then return {i, used} end
              result[i + 1] = used
            end
            for i = 1, n do
              if redis.call('ZADD', KEYS[2 * i], ARGV[4], ARGV[2]) == 1 then
                redis.call('HINCRBY', KEYS[2 * i - 1], 'res', ARGV[3])
              end
              redis.call('PEXPIREAT', KEYS[2 * i], ARGV[4 + 4 * (i - 1) + 4])
            end
            return result
            """);

    /**
     * {@code settle(counter, reservations, member, estimate, actual, expiry)}: replaces a reservation with the real
     * cost on one scope. A reservation no longer open (lapsed, or dropped by a new period) releases nothing; the cost
     * is added regardless. A counter that has expired is left alone: the database has the cost from the spend log.
     */
    private static final String SETTLE_SCOPE = """
            local function settle(counter, reservations, member, estimate, actual, expiry)
              if redis.call('EXISTS', counter) == 1 then
                if redis.call('ZREM', reservations, member) == 1 then
                  local left = (tonumber(redis.call('HGET', counter, 'res')) or 0) - tonumber(estimate)
                  if left < 0 then left = 0 end
                  redis.call('HSET', counter, 'res', string.format('%d', left))
                end
                redis.call('HINCRBY', counter, 'spent', actual)
                redis.call('PEXPIREAT', counter, expiry)
                redis.call('PEXPIREAT', reservations, expiry)
              end
            end
            """;

    /**
     * Replaces a reservation with the real cost on every scope. ARGV: member, estimate, actual, then per scope its
     * expiry.
     */
    static final RedisScript SETTLE = new RedisScript(SETTLE_SCOPE + """
            for i = 1, #KEYS / 2 do
              settle(KEYS[2 * i - 1], KEYS[2 * i], ARGV[1], ARGV[2], ARGV[3], ARGV[3 + i])
            end
            return 1
            """);

    /**
     * Many reservations' settlements at once, each as {@link #SETTLE} makes it. ARGV: per reservation its number of
     * scopes n, member, estimate, actual, then per scope its expiry; KEYS: per reservation its 2n keys, in order.
     */
    static final RedisScript SETTLE_MANY = new RedisScript(SETTLE_SCOPE + """
            local k, a = 1, 1
            while a <= #ARGV do
              local n = tonumber(ARGV[a])
              for i = 1, n do
                settle(KEYS[k], KEYS[k + 1], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 3 + i])
                k = k + 2
              end
              a = a + 4 + n
            end
            return 1
            """);

    /**
     * Spent plus reserved of one scope. KEYS: counter, reservations. ARGV: now, period end, base, expiry. A counter
     * that does not exist reads as the base and is not created.
     */
    static final RedisScript SPENT = new RedisScript(CURRENT + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return tonumber(ARGV[3]) end
            local spent, reserved = current(KEYS[1], KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]),
                tonumber(ARGV[1]))
            redis.call('PEXPIREAT', KEYS[1], ARGV[4])
            redis.call('PEXPIREAT', KEYS[2], ARGV[4])
            return spent + reserved
            """);
}
