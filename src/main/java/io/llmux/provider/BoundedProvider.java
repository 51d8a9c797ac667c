package io.llmux.provider;

import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.ForwardingEventStream;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider's {@code max_concurrent} cap (SPEC §2): at most that many calls in flight, streams until they close. A
 * call over the cap waits briefly in a queue as long as the cap itself, then fails as {@link Failure#BUSY} so the
 * router tries another deployment or answers 503; the queue being bounded keeps memory bounded under a flood.
 */
public final class BoundedProvider implements Provider {
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    private final Provider delegate;
    private final int limit;
    private final Semaphore permits;
    private final AtomicInteger waiting = new AtomicInteger();

    public BoundedProvider(Provider delegate, int limit) {
        this.delegate = delegate;
        this.limit = limit;
        this.permits = new Semaphore(limit);
    }

    @Override
    public ProviderConfig config() {
        return delegate.config();
    }

    @Override
    public String disabledReason() {
        return delegate.disabledReason();
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        acquire();
        Answer answer;
        try {
            answer = delegate.call(call);
        } catch (ProviderFailure | RuntimeException e) {
            permits.release();
            throw e;
        }
        if (answer instanceof Answer.Streamed streamed) {
            return new Answer.Streamed(new Releasing(streamed.events()));
        }
        permits.release();
        return answer;
    }

    /** Calls in flight right now (for /health). */
    public int inFlight() {
        return limit - permits.availablePermits();
    }

    private void acquire() throws ProviderFailure {
        if (permits.tryAcquire()) {
            return;
        }
        if (waiting.incrementAndGet() > limit) {
            waiting.decrementAndGet();
            throw busy();
        }
        try {
            if (!permits.tryAcquire(MAX_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        } finally {
            waiting.decrementAndGet();
        }
    }

    private ProviderFailure busy() {
        return new ProviderFailure(
                Failure.BUSY,
                0,
                "provider " + config().name() + " is at its max_concurrent limit (" + limit + " calls in flight)",
                null,
                null,
                null,
                MAX_WAIT);
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Gives the permit back when the stream is closed, once. */
    private final class Releasing extends ForwardingEventStream {
        private final AtomicBoolean released = new AtomicBoolean();

        Releasing(EventStream events) {
            super(events);
        }

        @Override
        public void close() {
            try {
                events.close();
            } finally {
                if (released.compareAndSet(false, true)) {
                    permits.release();
                }
            }
        }
    }
}
