package io.llmux.config;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads {@code redis:} and {@code database:}. The original README configured both through environment variables
 * alone, so {@code REDIS_ADDR}/{@code REDIS_PASSWORD} are the defaults of {@code redis}, and {@code DB_HOST} without
 * a {@code database} section turns PostgreSQL on (SPEC §2).
 */
final class StoreSections {
    private static final Map<String, RedisConfig.OnError> ON_ERROR =
            Walker.names(RedisConfig.OnError.values(), e -> e.name().toLowerCase(Locale.ROOT));
    private static final Map<String, DatabaseConfig.Type> DB_TYPES = Walker.names(
            new DatabaseConfig.Type[] {DatabaseConfig.Type.EMBEDDED, DatabaseConfig.Type.POSTGRES},
            t -> t.name().toLowerCase(Locale.ROOT));
    private static final Map<String, String> SSL_MODES = Walker.names(
            new String[] {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}, Function.identity());
    private static final String[] GO_REDIS_TUNING = {
        "dial_timeout", "read_timeout", "write_timeout", "pool_size", "min_idle_conns", "max_retries"
    };

    private final Walker walker;
    private final Env env;

    StoreSections(Walker walker) {
        this.walker = walker;
        this.env = walker.env();
    }

    /**
     * The top-level section, else the original's {@code cache.redis}. The old block counts only when the cache uses
     * Redis: the original used Redis for nothing else, and its example config always had an address in it.
     */
    RedisConfig redis(Section root, Section cache, CacheConfig cacheConfig) {
        Section top = root.section("redis");
        boolean mapped = CacheSection.usesRedis(cacheConfig);
        cache.deprecated(
                "redis", mapped ? "read as the top-level redis section" : "ignored: the cache does not use Redis");
        Section legacy = cache.section("redis");
        for (String key : GO_REDIS_TUNING) {
            legacy.deprecated(key, "ignored");
        }
        RedisConfig d = RedisConfig.none();
        return new RedisConfig(
                pick(top, legacy, mapped, "addr")
                        .string("addr", env.get("REDIS_ADDR").orElse(d.addr()))
                        .strip(),
                pick(top, legacy, mapped, "password")
                        .string("password", env.get("REDIS_PASSWORD").orElse(d.password())),
                pick(top, legacy, mapped, "db").integer("db", d.db(), 0, Integer.MAX_VALUE),
                pick(top, legacy, mapped, "timeout").positiveDuration("timeout", d.timeout()),
                pick(top, legacy, mapped, "on_error").choice("on_error", d.onError(), "redis on_error", ON_ERROR));
    }

    private static Section pick(Section top, Section legacy, boolean mapped, String key) {
        boolean inLegacy = legacy.has(key); // asked either way: the key is valid in the old block
        return top.has(key) || !mapped || !inLegacy ? top : legacy;
    }

    DatabaseConfig database(Section root) {
        Section db = root.section("database");
        DatabaseConfig none = DatabaseConfig.none();
        if (!db.present()) {
            return fromEnvironment(db, none);
        }
        boolean enabled = !db.deprecated("enabled", "false still means no database; leaving the section out says so")
                || db.bool("enabled", true);
        DatabaseConfig.Type type = db.choice("type", null, "database type", DB_TYPES);
        String path = db.string("path", none.path()).strip();
        String host = db.string("host", "").strip();
        int port = db.integer("port", none.port(), 1, 65535);
        String user = db.string("user", none.user()).strip();
        String password = db.string("password", "");
        String legacyName = db.deprecated("database", "use database.name")
                ? db.string("database", none.name()).strip()
                : none.name();
        String name = db.string("name", legacyName).strip();
        String sslMode = db.choice("ssl_mode", none.sslMode(), "ssl mode", SSL_MODES);
        int maxOpen = db.integer("max_open_conns", none.maxOpenConns(), 1, Integer.MAX_VALUE);
        if (db.deprecated("max_idle_conns", "ignored: the pool sizes itself from max_open_conns")) {
            db.integer("max_idle_conns", 0, 0, Integer.MAX_VALUE);
        }
        if (db.deprecated("conn_lifetime", "ignored")) {
            db.duration("conn_lifetime", null);
        }
        if (!enabled) {
            return none;
        }
        if (type == null) {
            type = host.isEmpty() ? DatabaseConfig.Type.EMBEDDED : DatabaseConfig.Type.POSTGRES;
        }
        return new DatabaseConfig(
                type, path, host.isEmpty() ? none.host() : host, port, user, password, name, sslMode, maxOpen);
    }

    private DatabaseConfig fromEnvironment(Section db, DatabaseConfig none) {
        String host = env.get("DB_HOST").orElse(null);
        if (host == null) {
            return none;
        }
        int port = none.port();
        String rawPort = env.get("DB_PORT").orElse(null);
        if (rawPort != null) {
            try {
                port = Integer.parseInt(rawPort.strip());
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                walker.findings()
                        .problem(db.pathOf("port"), 0, Walker.quote(rawPort) + " from DB_PORT is not a port (1-65535)");
                port = none.port();
            }
        }
        return new DatabaseConfig(
                DatabaseConfig.Type.POSTGRES,
                none.path(),
                host.strip(),
                port,
                env.get("DB_USER").orElse(none.user()),
                env.get("DB_PASSWORD").orElse(""),
                env.get("DB_NAME").orElse(none.name()),
                none.sslMode(),
                none.maxOpenConns());
    }
}
