package io.llmux.budget;

import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.telemetry.Log;
import java.time.Clock;
import java.time.Duration;

/** Picks where budget counters live: this process alone, or Redis with this process's counters to fall back on. */
public final class Ledgers {
    /**
     * How long an unsettled reservation holds its estimate. Longer than a request should take (streams have no
     * overall bound, SPEC §3, but an hour covers any real one); short enough that a dead replica's reservations stop
     * holding budget the same hour.
     */
    static final Duration RESERVATION_TTL = Duration.ofHours(1);

    private Ledgers() {}

    /**
     * Local counters when {@code redis} is not configured, else Redis falling back to local. Nothing is sent to Redis
     * here: a Redis that is down at start-up only means local answers until it is up.
     *
     * @throws IllegalArgumentException when {@code redis.addr} is neither {@code host:port} nor a URL
     */
    public static Ledger of(RedisConfig redis, Clock clock, Log log) {
        LocalLedger local = new LocalLedger(clock);
        if (!redis.configured()) {
            return local;
        }
        RedisLedger shared =
                new RedisLedger(RedisClients.create(redis), clock, LedgerKeys.DEFAULT_PREFIX, RESERVATION_TTL, true);
        return new FallbackLedger(shared, local, clock, log, RedisLedger.FLUSH_EVERY);
    }
}
