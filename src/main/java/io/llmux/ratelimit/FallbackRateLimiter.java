package io.llmux.ratelimit;

import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Shared rate limits that act on {@code redis.on_error} when Redis fails. Fail-open: the admission is answered by this
 * replica's own counters ({@link LocalRateLimiter}), so each replica holds every limit on its own during the outage
 * (up to the limit times the replicas). Fail-closed: the admission throws {@link RateLimitsUnavailable}, a 503, since
 * the client is not over a limit; the gateway cannot tell. After a failure Redis is left alone for a second, so a Redis
 * that hangs costs one request its timeout, not every request. Failures are logged at most once a minute and the
 * recovery once ({@link RedisErrors}); every failed call is counted for the metric.
 */
public final class FallbackRateLimiter implements RateLimiter, AutoCloseable {
    private final RedisRateLimiter shared;
    private final LocalRateLimiter local;
    private final RedisConfig.OnError onError;
    private final RedisErrors errors;
    private final Thread sender;
    private volatile boolean closed;

    public FallbackRateLimiter(
            RedisRateLimiter shared, LocalRateLimiter local, RedisConfig.OnError onError, Clock clock, Log log) {
        this.shared = shared;
        this.local = local;
        this.onError = onError;
        this.errors = onError == RedisConfig.OnError.FAIL_CLOSED
                ? new RedisErrors(clock, log, "rate limits are", "refusing every request (redis.on_error: fail_closed)")
                : new RedisErrors(clock, log, "rate limits are");
        // a platform thread: it blocks on Redis replies, which a virtual thread would route through the poller
        this.sender =
                Thread.ofPlatform().daemon().name("llmux-ratelimit-settlements").start(this::sendSettlements);
    }

    /**
     * Sends the held-back token corrections every {@link RedisRateLimiter#FLUSH_EVERY}, and the freed parallel slots
     * whose own send failed, while Redis answers.
     */
    private void sendSettlements() {
        long every = RedisRateLimiter.FLUSH_EVERY.toNanos();
        while (!closed) {
            LockSupport.parkNanos(every);
            sendReleases();
            flush();
        }
        sendReleases();
        flush();
    }

    private void sendReleases() {
        if (!shared.releasesPending() || !errors.worthTrying()) {
            return;
        }
        try {
            if (shared.sendReleases() > 0) {
                errors.answered();
            }
        } catch (RuntimeException e) {
            errors.failed("release", e); // kept, and sent again once Redis is tried again
        }
    }

    private void flush() {
        if (!errors.worthTrying()) {
            return; // kept until Redis is tried again
        }
        try {
            if (shared.flush() > 0) {
                errors.answered();
            }
        } catch (RuntimeException e) {
            errors.failed("correct", e); // those corrections are lost: their estimates stand
        }
    }

    /** Sends what releases and corrections are left, and stops. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sender);
        try {
            sender.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Calls to Redis that failed (connection refused, timeout, any error reply): the metric's source. */
    public long redisErrors() {
        return errors.count();
    }

    @Override
    public Admission admit(List<Limit> limits, long estimatedTokens) throws RateLimited, RateLimitsUnavailable {
        RuntimeException failure = null;
        if (errors.worthTrying()) {
            try {
                Admission a = shared.admit(limits, estimatedTokens);
                errors.answered();
                return a;
            } catch (RuntimeException e) {
                errors.failed("admit", e);
                failure = e;
            }
        }
        if (onError == RedisConfig.OnError.FAIL_CLOSED) {
            throw new RateLimitsUnavailable(
                    "rate limits cannot be checked: Redis is unreachable and redis.on_error is fail_closed", failure);
        }
        return local.admit(limits, estimatedTokens);
    }

    /**
     * A shared admission is settled in Redis even right after a failure: Redis may be back, and until it is told,
     * the admission holds its parallel slots until their leases lapse. Its token correction is held back; its freed
     * slots are sent here, before the answer's last byte (the settlement is called then): a client that sends its
     * next request the moment it has the answer must find its slot free in Redis, whichever replica it calls. A send
     * that fails keeps them, to ride on this replica's admissions and be sent again by the sender thread.
     */
    @Override
    public void settle(Admission admission, long actualTokens) {
        if (local.made(admission)) {
            local.settle(admission, actualTokens);
            return;
        }
        try {
            if (shared.send(admission, actualTokens)) {
                errors.answered();
                return;
            }
        } catch (RuntimeException e) {
            errors.failed("settle", e); // its slots lapse with their leases; the estimate stands for the tokens
            return;
        }
        sendReleases();
    }
}
