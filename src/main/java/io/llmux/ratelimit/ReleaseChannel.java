package io.llmux.ratelimit;

import io.llmux.redis.RedisErrors;
import io.llmux.redis.SendingConnection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Frees parallel slots in Redis without the request waiting for Redis to answer. A release is written to a connection
 * of its own before the answer's last byte goes out, so Redis holds it before the client can send its next request,
 * through this replica or another: that request's admission reaches Redis after it. Redis's replies are read later,
 * in bulk, by the limiter's sender thread ({@link #confirm}): a thread woken for every reply cost more CPU than the
 * release itself. So a limited request costs one round trip, its admission.
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
    /** Written and not yet confirmed, in the order written: Redis answers a connection's commands in order. */
    private final ConcurrentLinkedQueue<Sent> awaiting = new ConcurrentLinkedQueue<>();

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

    /**
     * Reads Redis's replies to what was sent so far (they are normally in the socket's buffer already). Called by one
     * thread at a time.
     *
     * @return how many were read, confirmed or refused
     */
    int confirm() {
        int read = 0;
        Sent sent;
        while ((sent = awaiting.poll()) != null) {
            read(sent);
            read++;
        }
        return read;
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

    /** Reads the replies still due (each bounded by {@code redis.timeout}), then closes the connection. */
    @Override
    public void close() {
        confirm();
        writing.lock();
        try {
            close(connection);
            connection = null;
        } finally {
            writing.unlock();
        }
    }
}
