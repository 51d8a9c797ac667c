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
     * Lease events of one deployment, applied in the order they happened ({@link LeaseEvent}): a start adds its lease
     * and counts it in its minute, a finish removes it, corrects its minute's tokens and moves the latency average. One
     * call carries a single event sent at once, or every event of a batch held back ({@link LeaseBatches}), so a start
     * and its finish in one batch still land start first. Leases of dead replicas are swept first, so the set stays as
     * small as what is in flight. A minute already expired takes no correction.
     *
     * <p>KEYS: leases, deployment, then per event the minute its request started in. ARGV: now (leases lapsed before
     * it are swept), the lapse of the leases added, lease key TTL, minute key TTL (ms), the moving average's weight,
     * then per event its kind ({@code s}: start, {@code f}: finish), lease member, tokens (a start's estimate, a
     * finish's correction) and latency in ms (empty: none).
     */
    static final RedisScript LEASES = new RedisScript("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
            local weight = tonumber(ARGV[5])
            local average = nil
            local moved = false
            for i = 0, (#ARGV - 5) / 4 - 1 do
              local at = 6 + 4 * i
              local minute = KEYS[3 + i]
              local tokens = ARGV[at + 2]
              if ARGV[at] == 's' then
                redis.call('ZADD', KEYS[1], ARGV[2], ARGV[at + 1])
                redis.call('HINCRBY', minute, 'req', 1)
                redis.call('HINCRBY', minute, 'tok', tokens)
                redis.call('PEXPIRE', minute, ARGV[4])
              else
                redis.call('ZREM', KEYS[1], ARGV[at + 1])
                if tokens ~= '0' and redis.call('EXISTS', minute) == 1 then
                  redis.call('HINCRBY', minute, 'tok', tokens)
                end
                local latency = tonumber(ARGV[at + 3])
                if latency then
                  if not moved then
                    average = tonumber(redis.call('HGET', KEYS[2], 'lat'))
                    moved = true
                  end
                  if average then average = average + weight * (latency - average) else average = latency end
                end
              end
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
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
