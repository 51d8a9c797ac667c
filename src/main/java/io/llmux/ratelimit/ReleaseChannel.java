package io.llmux.ratelimit;

import io.llmux.redis.RedisErrors;
import io.llmux.redis.SendingConnection;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Frees parallel slots in Redis without the request waiting for Redis to answer. A release is written to a connection
 * of its own before the answer's last byte goes out, so Redis holds it before the client can send its next request,
 * through this replica or another: that request's admission reaches Redis after it. Redis's reply is read here, by a
 * thread of the channel's own, so a limited request costs one round trip, its admission.
 *
 * <p>A release that cannot be written, or whose reply never comes (the connection broke, Redis did not answer within
 * {@code redis.timeout}), goes back to the limiter ({@code unconfirmed}) to be sent again; removing a slot twice is
 * harmless. A broken connection is replaced by the next send.
 */
final class ReleaseChannel implements AutoCloseable {
    private final Supplier<SendingConnection> connect;
    private final Consumer<RedisRateLimiter.Release> unconfirmed;
    private final RedisErrors errors;
    private final ReentrantLock writing = new ReentrantLock();
    /** Guarded by {@link #writing}; null until the first send, and after a failure. */
    private SendingConnection connection;
    /** Written and not yet answered, in the order written: Redis answers a connection's commands in order. */
    private final LinkedBlockingQueue<Sent> awaiting = new LinkedBlockingQueue<>();

    private final Thread reader;
    private volatile boolean closed;

    private record Sent(SendingConnection on, RedisRateLimiter.Release release) {}

    /**
     * @param connect opens a connection to Redis (throws when it cannot)
     * @param unconfirmed takes back a release Redis has not confirmed, to be sent again another way
     * @param errors told of every failure and every answer, as the limiter's other calls tell it
     */
    ReleaseChannel(
            Supplier<SendingConnection> connect, Consumer<RedisRateLimiter.Release> unconfirmed, RedisErrors errors) {
        this.connect = connect;
        this.unconfirmed = unconfirmed;
        this.errors = errors;
        // a platform thread: it blocks on Redis replies, which a virtual thread would route through the poller
        this.reader =
                Thread.ofPlatform().daemon().name("llmux-ratelimit-releases").start(this::readReplies);
    }

    /**
     * Writes the release to Redis and returns without its answer.
     *
     * @return false when it could not be written (nothing reached Redis): the caller keeps it
     */
    boolean send(RedisRateLimiter.Release release) {
        writing.lock();
        try {
            if (connection == null) {
                connection = connect.get();
            }
            connection.send(new CommandArguments(Protocol.Command.ZREM)
                    .key(release.key())
                    .add(release.member()));
            awaiting.add(new Sent(connection, release)); // under the lock: the queue's order is the wire's
            return true;
        } catch (RuntimeException e) {
            SendingConnection broken = connection;
            connection = null;
            close(broken);
            errors.failed("release", e);
            return false;
        } finally {
            writing.unlock();
        }
    }

    /** Sent and not yet answered (for tests). */
    int awaiting() {
        return awaiting.size();
    }

    private void readReplies() {
        while (!closed || !awaiting.isEmpty()) {
            Sent sent;
            try {
                sent = awaiting.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // close() interrupts to hurry the drain along; the loop's condition decides
            }
            if (sent != null) {
                read(sent);
            }
        }
    }

    private void read(Sent sent) {
        try {
            sent.on().getUnflushedObject(); // ZREM's count: 0 when the lease had lapsed or was freed already
            errors.answered();
        } catch (JedisConnectionException e) {
            unconfirmed.accept(sent.release());
            errors.failed("release", e);
            retire(sent.on());
        } catch (RuntimeException e) {
            errors.failed("release", e); // Redis answered with an error: sending it again would get the same
        }
    }

    /** Stops using a connection that failed; the sends still waiting on it fail in turn and go back too. */
    private void retire(SendingConnection broken) {
        writing.lock();
        try {
            if (connection == broken) {
                connection = null;
            }
        } finally {
            writing.unlock();
        }
        close(broken);
    }

    private static void close(SendingConnection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (RuntimeException ignored) {
            // closing a broken connection: nothing left to save
        }
    }

    /** Reads the replies still due (bounded by {@code redis.timeout} each), then closes the connection. */
    @Override
    public void close() {
        closed = true;
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writing.lock();
        try {
            close(connection);
            connection = null;
        } finally {
            writing.unlock();
        }
    }
}
