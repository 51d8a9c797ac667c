package io.llmux.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.GatewayException;
import io.llmux.store.KeyRow;
import io.llmux.store.StoreException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The key cache against a fake key store and a hand-moved clock; refreshes run on the calling thread so each step is
 * seen at once.
 */
class KeyCacheTest {
    private final AtomicLong nanos = new AtomicLong();
    private final FakeKeys db = new FakeKeys();
    private final KeyCache cache = new KeyCache(db::load, Duration.ofSeconds(1), 1_000, Runnable::run, nanos::get);

    @Test
    void aKnownKeyIsReadOnceAndServedFromTheCache() throws GatewayException {
        db.put("h1", "alice");
        for (int i = 0; i < 5; i++) {
            assertThat(cache.find("h1")).map(p -> p.key().keyAlias()).hasValue("alice");
        }
        assertThat(db.loads.get()).isEqualTo(1);
    }

    @Test
    void aChangeIsSeenAfterTheRefreshPeriodOrAtOnceWhenInvalidated() throws GatewayException {
        db.put("h1", "alice");
        cache.find("h1");
        db.put("h1", "alice-renamed");
        assertThat(cache.find("h1")).map(p -> p.key().keyAlias()).hasValue("alice");

        advance(Duration.ofMillis(1_001));
        cache.find("h1"); // starts the refresh; on this executor it is done when find returns
        assertThat(cache.find("h1")).map(p -> p.key().keyAlias()).hasValue("alice-renamed");

        db.remove("h1");
        cache.key("h1");
        assertThat(cache.find("h1")).isEmpty();
    }

    @Test
    void aKnownKeyOutlivesADatabaseOutage() throws GatewayException {
        db.put("h1", "alice");
        cache.find("h1");
        db.down = true;
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(2));
            assertThat(cache.find("h1"))
                    .as("refresh %d failed; the entry stays", i)
                    .isPresent();
        }
        assertThat(db.loads.get()).as("a refresh was tried each time").isGreaterThanOrEqualTo(5);
    }

    @Test
    void aKeyNeverSeenIs503WhileTheDatabaseIsDown() {
        db.down = true;
        assertThatThrownBy(() -> cache.find("h-new")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfter()).isNotNull();
        });
    }

    @Test
    void anUnknownKeyIsRememberedForOnePeriodOnly() throws GatewayException {
        assertThat(cache.find("h-late")).isEmpty();
        assertThat(cache.find("h-late")).isEmpty();
        assertThat(db.loads.get())
                .as("a bad key reaches the database once per period")
                .isEqualTo(1);

        db.put("h-late", "made-just-now");
        advance(Duration.ofMillis(1_001));
        assertThat(cache.find("h-late")).as("a new key is seen within a period").isPresent();
    }

    @Test
    void invalidatingEverythingRereadsEveryKey() throws GatewayException {
        db.put("h1", "a");
        db.put("h2", "b");
        cache.find("h1");
        cache.find("h2");
        cache.all();
        cache.find("h1");
        cache.find("h2");
        assertThat(db.loads.get()).isEqualTo(4);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** Keys by hash, as {@link PrincipalLoader#load} answers; {@code down} makes every read fail as a dead database. */
    static final class FakeKeys {
        private final Map<String, Principal> rows = new HashMap<>();
        final AtomicInteger loads = new AtomicInteger();
        volatile boolean down;

        synchronized void put(String hash, String alias) {
            KeyRow key = new KeyRow(
                    hash, "sk-...", alias, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, false, null, null);
            rows.put(hash, new Principal(key, null, null, null));
        }

        synchronized void remove(String hash) {
            rows.remove(hash);
        }

        synchronized Optional<Principal> load(String hash) {
            loads.incrementAndGet();
            if (down) {
                throw new StoreException(StoreException.Kind.UNAVAILABLE, "connection refused", null);
            }
            return Optional.ofNullable(rows.get(hash));
        }
    }
}
