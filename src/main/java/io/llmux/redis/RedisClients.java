package io.llmux.redis;

import io.llmux.config.RedisConfig;
import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;

/**
 * Builds the pooled Redis client from {@code redis:}. {@code addr} is {@code host:port} as in the original README,
 * or a {@code redis://} / {@code rediss://} URL whose password and database, when present, win over the section's.
 * Connecting, reading and waiting for a pooled connection are all bounded by {@code redis.timeout}, so a Redis that
 * hangs costs a request at most that long before it is answered from local state.
 */
public final class RedisClients {
    static final int DEFAULT_PORT = 6379;
    /** Connections are held for one round trip; a few dozen cover many hundred requests in flight. */
    private static final int MAX_CONNECTIONS = 32;

    private RedisClients() {}

    public static RedisClient create(RedisConfig config) {
        Target t = target(config);
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout)
                .database(t.db())
                .clientName("llmux")
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED); // one round trip less per new connection
        if (t.ssl()) {
            client.sslOptions(SslOptions.defaults()); // the JDK's trust store and host name check
        }
        if (!t.password().isEmpty()) {
            client.user(t.user().isEmpty() ? null : t.user()).password(t.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(MAX_CONNECTIONS);
        pool.setMaxIdle(MAX_CONNECTIONS);
        pool.setMinIdle(0);
        pool.setMaxWait(Duration.ofMillis(timeout)); // the default waits forever for a free connection
        pool.setJmxEnabled(false);
        return RedisClient.builder()
                .hostAndPort(t.host(), t.port())
                .clientConfig(client.build())
                .poolConfig(pool)
                .build();
    }

    /** Where to connect and as whom, from {@code addr} and the section's password and db. */
    record Target(String host, int port, String user, String password, int db, boolean ssl) {}

    /** @throws IllegalArgumentException naming {@code redis.addr} when it is neither form */
    static Target target(RedisConfig config) {
        String addr = config.addr().strip();
        try {
            return parse(addr, config);
        } catch (IllegalArgumentException e) { // NumberFormatException too
            throw new IllegalArgumentException(
                    "redis.addr: \"" + RedisClients.hostOnly(addr) + "\" is not host:port or a redis:// URL", e);
        }
    }

    private static Target parse(String addr, RedisConfig config) {
        if (addr.contains("://")) {
            URI uri = URI.create(addr);
            String user = "";
            String password = config.password();
            if (uri.getRawUserInfo() != null) {
                String info = uri.getUserInfo();
                int colon = info.indexOf(':');
                user = colon < 0 ? "" : info.substring(0, colon);
                password = colon < 0 ? info : info.substring(colon + 1);
            }
            String path = uri.getPath() == null ? "" : uri.getPath().replace("/", "");
            int db = path.isEmpty() ? config.db() : Integer.parseInt(path);
            String host = uri.getHost() == null
                    ? "localhost"
                    : uri.getHost().replace("[", "").replace("]", "");
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            return new Target(host, port, user, password, db, "rediss".equalsIgnoreCase(uri.getScheme()));
        }
        int colon = addr.lastIndexOf(':');
        boolean hasPort =
                colon > 0 && addr.indexOf(']') < colon && (addr.startsWith("[") || addr.indexOf(':') == colon);
        String host = hasPort ? addr.substring(0, colon) : addr;
        int port = hasPort ? Integer.parseInt(addr.substring(colon + 1)) : DEFAULT_PORT;
        return new Target(host.replace("[", "").replace("]", ""), port, "", config.password(), config.db(), false);
    }

    /** A URL may carry a password; messages show what follows it. */
    private static String hostOnly(String addr) {
        return addr.substring(addr.lastIndexOf('@') + 1);
    }
}
