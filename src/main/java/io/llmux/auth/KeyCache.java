package io.llmux.auth;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.llmux.GatewayException;
import io.llmux.store.StoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Virtual keys by hash, so a known key never costs a database query on the request path (SPEC §8).
 *
 * <p>A known key's entry is reloaded in the background once it is older than {@code refresh} and used again; a
 * reload that fails (the database is away) keeps the entry, so known keys keep working through an outage. An
 * unknown key's entry lives {@code refresh} only, which bounds how long a new key waits to be seen and keeps bad
 * keys from reaching the database more than once per period. A key never seen, while the database is away, is 503:
 * the gateway cannot tell whether it is valid.
 */
public final class KeyCache implements KeyInvalidation {
    private sealed interface Lookup permits Known, Unknown {}

    private record Known(Principal principal) implements Lookup {}

    private record Unknown() implements Lookup {}

    private static final Unknown UNKNOWN = new Unknown();

    private final LoadingCache<String, Lookup> cache;

    /**
     * @param loader a key and what it belongs to by the key's hash ({@link PrincipalLoader#load}); empty when unknown,
     *     a {@link StoreException} when the database cannot answer
     */
    public KeyCache(
            Function<String, Optional<Principal>> loader,
            Duration refresh,
            long maxKeys,
            Executor executor,
            Ticker ticker) {
        long refreshNanos = refresh.toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .executor(executor)
                .ticker(ticker)
                .refreshAfterWrite(refresh)
                .expireAfter(new Expiry<String, Lookup>() {
                    @Override
                    public long expireAfterCreate(String key, Lookup value, long currentTime) {
                        return lifetime(value);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Lookup value, long currentTime, long currentDuration) {
                        return lifetime(value);
                    }

                    @Override
                    public long expireAfterRead(String key, Lookup value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    private long lifetime(Lookup value) {
                        return value instanceof Unknown ? refreshNanos : Long.MAX_VALUE;
                    }
                })
                .build(new CacheLoader<String, Lookup>() {
                    @Override
                    public Lookup load(String hash) {
                        return loader.apply(hash).<Lookup>map(Known::new).orElse(UNKNOWN);
                    }

                    @Override
                    public Lookup reload(String hash, Lookup old) {
                        try {
                            return load(hash);
                        } catch (StoreException e) {
                            // the database is away: the key stays as it was last seen
                            return old;
                        }
                    }
                });
    }

    /**
     * @return empty for a key the database does not know
     * @throws GatewayException 503 when the key was never seen and the database cannot answer
     */
    public Optional<Principal> find(String keyHash) throws GatewayException {
        Lookup found;
        try {
            found = cache.get(keyHash);
        } catch (StoreException | CompletionException e) {
            throw GatewayException.unavailable(
                    "The key store is unavailable, so this key cannot be checked right now. Try again shortly.",
                    Duration.ofSeconds(1));
        }
        return found instanceof Known k ? Optional.of(k.principal()) : Optional.empty();
    }

    /** Forgets one key: the next request reads it again (after an update, a block or a delete). */
    @Override
    public void key(String keyHash) {
        cache.invalidate(keyHash);
    }

    /** Forgets every key: a user, team or organization changed, and many keys may hang off it. */
    @Override
    public void all() {
        cache.invalidateAll();
    }
}
