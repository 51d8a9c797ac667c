package io.llmux.auth;

import io.llmux.telemetry.Log;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;

/**
 * Key cache invalidations shared by every replica through Redis pub/sub: a change made through one replica's
 * management API reaches the others' caches at once instead of at their next refresh. Redis being away never fails
 * a management call: the message is lost, and the other replicas see the change at their next refresh (1 s).
 */
public final class RedisKeyInvalidation implements KeyInvalidation, AutoCloseable {
    static final String CHANNEL = "llmux:keys:invalidate";
    private static final String EVERY_KEY = "*";

    private final KeyInvalidation local;
    private final RedisClient redis;
    private final Log log;
    private final JedisPubSub subscriber;
    private final Thread listener;
    private volatile boolean closed;
    private volatile boolean warned;

    /** @param redis this one's own client: its subscription holds a connection, and it is closed with this */
    public RedisKeyInvalidation(KeyInvalidation local, RedisClient redis, Log log) {
        this.local = local;
        this.redis = redis;
        this.log = log;
        this.subscriber = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                if (EVERY_KEY.equals(message)) {
                    local.all();
                } else {
                    local.key(message);
                }
            }
        };
        this.listener =
                Thread.ofPlatform().daemon().name("llmux-key-invalidations").start(this::listen);
    }

    /** True once this replica listens for other replicas' changes (readiness waits for it). */
    public boolean listening() {
        return subscriber.isSubscribed();
    }

    @Override
    public void key(String keyHash) {
        local.key(keyHash);
        publish(keyHash);
    }

    @Override
    public void all() {
        local.all();
        publish(EVERY_KEY);
    }

    private void publish(String message) {
        try {
            redis.publish(CHANNEL, message);
        } catch (RuntimeException e) {
            warnOnce(e);
        }
    }

    /** Subscribes, and subscribes again after Redis drops the connection. */
    private void listen() {
        long backoff = 100;
        while (!closed) {
            try {
                redis.subscribe(subscriber, CHANNEL); // returns when unsubscribed or the connection breaks
                backoff = 100;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                warnOnce(e);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void warnOnce(RuntimeException e) {
        if (!warned) {
            warned = true;
            log.warn(
                    "key changes are not shared through Redis right now; other replicas see them within a second",
                    "error",
                    String.valueOf(e.getMessage()));
        }
    }

    @Override
    public void close() {
        closed = true;
        if (subscriber.isSubscribed()) {
            try {
                subscriber.unsubscribe();
            } catch (RuntimeException ignored) {
                // the connection is already gone
            }
        }
        listener.interrupt();
        redis.close();
    }
}
