package io.llmux.routing.state;

import io.llmux.redis.RedisScript;

/**
 * The Lua scripts behind {@link RedisRoutingState}'s writes: each call is one script, so it is one round trip and
 * atomic. Every key a script touches comes through KEYS and belongs to one deployment (one hash slot). Times come in
 * through ARGV from the replica's clock (see {@link RedisRoutingState} for why not Redis {@code TIME}).
 */
final class RedisRoutingScripts {
    private RedisRoutingScripts() {}

    /**
     * A request starts. KEYS: leases, minute. ARGV: lease member, lease expiry, now, estimated tokens, minute key TTL,
     * lease key TTL (ms). Leases of dead replicas are swept here, so the set stays as small as what is in flight.
     */
    static final RedisScript START = new RedisScript("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            redis.call('HINCRBY', KEYS[2], 'req', 1)
            redis.call('HINCRBY', KEYS[2], 'tok', ARGV[4])
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            return 1
            """);

    /**
     * A request ends. KEYS: leases, the minute it started in, deployment. ARGV: lease member, token correction,
     * latency in ms (empty: none), the moving average's weight. A minute already expired takes no correction.
     */
    static final RedisScript FINISH = new RedisScript("""
            redis.call('ZREM', KEYS[1], ARGV[1])
            local correction = tonumber(ARGV[2])
            if correction ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
              redis.call('HINCRBY', KEYS[2], 'tok', correction)
            end
            local latency = tonumber(ARGV[3])
            if latency then
              local average = tonumber(redis.call('HGET', KEYS[3], 'lat'))
              if average then latency = average + tonumber(ARGV[4]) * (latency - average) end
              redis.call('HSET', KEYS[3], 'lat', string.format('%.17g', latency))
            end
            return 1
            """);

    /**
     * Requests of one deployment ended, as {@link #FINISH} for each, in order: held back and sent together, so a
     * request's finish costs Redis one script's work a batch, not one each. KEYS: leases, deployment, then per request
     * the minute it started in. ARGV: the moving average's weight, then per request its lease member, token correction
     * and latency in ms (empty: none).
     */
    static final RedisScript FINISH_MANY = new RedisScript("""
            local weight = tonumber(ARGV[1])
            local average = tonumber(redis.call('HGET', KEYS[2], 'lat'))
            local moved = false
            for i = 0, (#ARGV - 1) / 3 - 1 do
              redis.call('ZREM', KEYS[1], ARGV[2 + 3 * i])
              local correction = tonumber(ARGV[3 + 3 * i])
              local minute = KEYS[3 + i]
              if correction ~= 0 and redis.call('EXISTS', minute) == 1 then
                redis.call('HINCRBY', minute, 'tok', correction)
              end
              local latency = tonumber(ARGV[4 + 3 * i])
              if latency then
                if average then average = average + weight * (latency - average) else average = latency end
                moved = true
              end
            end
            if moved then redis.call('HSET', KEYS[2], 'lat', string.format('%.17g', average)) end
            return 1
            """);

    /**
     * A failure. KEYS: deployment, failures. ARGV: now, failure member, error, cool now (1/0), allowed fails, cooldown
     * end (empty: none), the newest time that no longer counts, window (ms). Returns 1 when this failure cools the
     * deployment. The deadline only moves later. Times are computed by the caller: Lua would print large numbers in
     * exponent form.
     */
    static final RedisScript FAILED = new RedisScript("""
            local now = tonumber(ARGV[1])
            redis.call('HSET', KEYS[1], 'err', ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
            redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[8])
            local untilMs = tonumber(ARGV[6])
            if not untilMs then return 0 end
            if ARGV[4] ~= '1' and redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[5]) then return 0 end
            local current = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
            if untilMs > current then
              redis.call('HSET', KEYS[1], 'until', ARGV[6])
              current = untilMs
            end
            if current > now then return 1 end
            return 0
            """);
}
