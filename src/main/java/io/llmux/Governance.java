package io.llmux;

import io.llmux.auth.KeyCache;
import io.llmux.auth.KeyInvalidation;
import io.llmux.auth.PrincipalLoader;
import io.llmux.auth.RedisKeyInvalidation;
import io.llmux.budget.Ledger;
import io.llmux.budget.Ledgers;
import io.llmux.config.Config;
import io.llmux.ratelimit.RateLimiter;
import io.llmux.ratelimit.RateLimiters;
import io.llmux.redis.RedisClients;
import io.llmux.spend.IdlePriority;
import io.llmux.spend.SpendAccounting;
import io.llmux.spend.SpendLogWriter;
import io.llmux.store.Database;
import io.llmux.store.Migrations;
import io.llmux.store.Stores;
import io.llmux.telemetry.Log;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keys, budgets, rate limits and spend for the process (SPEC §8, §9), built once from the first config: a change of
 * {@code database} or {@code redis} takes a restart, like the routing state's. Rate limit counters live here so that a
 * config reload (new limits, new defaults) keeps what the window holds.
 *
 * <p>The gateway starts even when PostgreSQL is down: the schema is brought up to date in the background, retried
 * until it succeeds, and until then {@link #notReady} says so, unknown keys get 503 and spend rows wait in the writer.
 */
final class Governance implements AutoCloseable {
    /** How often budgets whose period ended are reset (and right after the schema is ready). */
    private static final Duration RESET_EVERY = Duration.ofSeconds(30);

    private static final Duration KEY_REFRESH = Duration.ofSeconds(1);

    private final Optional<Stores> stores;
    private final Optional<KeyCache> keyCache;
    private final Optional<KeyInvalidation> invalidation;
    private final Ledger ledger;
    private final RateLimiters.Owned rateLimiter;
    private final Optional<SpendLogWriter> writer;
    private final SpendAccounting accounting;
    private final Clock clock;
    private final Log log;
    private final ScheduledExecutorService jobs;
    private volatile boolean migrated;

    private Governance(
            Optional<Stores> stores,
            Optional<KeyCache> keyCache,
            Optional<KeyInvalidation> invalidation,
            Ledger ledger,
            RateLimiters.Owned rateLimiter,
            Optional<SpendLogWriter> writer,
            Clock clock,
            Log log) {
        this.stores = stores;
        this.keyCache = keyCache;
        this.invalidation = invalidation;
        this.ledger = ledger;
        this.rateLimiter = rateLimiter;
        this.writer = writer;
        this.accounting = new SpendAccounting(ledger, writer);
        this.clock = clock;
        this.log = log;
        this.jobs = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("llmux-governance").factory());
    }

    static Governance start(Config config, Path workingDir, Clock clock, Log log) {
        Ledger ledger = Ledgers.of(config.redis(), clock, log);
        RateLimiters.Owned limiter = RateLimiters.of(config.redis(), clock, log);
        if (!config.database().configured()) {
            Governance g = new Governance(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    ledger,
                    limiter,
                    Optional.empty(),
                    clock,
                    log);
            g.migrated = true;
            return g;
        }
        Database db = Database.open(config.database(), workingDir);
        Stores stores = Stores.over(db, clock);
        KeyCache keys = new KeyCache(
                new PrincipalLoader(stores.keys(), stores.users(), stores.teams(), stores.organizations())::load,
                KEY_REFRESH,
                100_000,
                Executors.newVirtualThreadPerTaskExecutor(),
                System::nanoTime);
        Path spillDir = spillDir(config, workingDir);
        SpendLogWriter writer = new SpendLogWriter(
                stores.spendLogs()::write,
                spillDir,
                SpendLogWriter.Settings.defaults(),
                log,
                IdlePriority.of(db.writeHelperThreads(), log));
        // with Redis, a change made through one replica reaches every replica's cache at once
        KeyInvalidation invalidation = config.redis().configured()
                ? new RedisKeyInvalidation(keys, RedisClients.create(config.redis()), log)
                : keys;
        Governance g = new Governance(
                Optional.of(stores),
                Optional.of(keys),
                Optional.of(invalidation),
                ledger,
                limiter,
                Optional.of(writer),
                clock,
                log);
        log.info("database: " + db.describe());
        // migrations retry in the background: the gateway serves known routes (and 503s) while PostgreSQL is away
        ScheduledFuture<?> unused = g.jobs.schedule(g::migrate, 0, TimeUnit.MILLISECONDS);
        return g;
    }

    /** Spill files live beside the embedded database, else in {@code ./data}. */
    private static Path spillDir(Config config, Path workingDir) {
        Path dbPath = workingDir.resolve(config.database().path()).normalize();
        Path parent = dbPath.getParent();
        return parent == null ? workingDir.resolve("data") : parent;
    }

    Optional<Stores> stores() {
        return stores;
    }

    Optional<KeyCache> keyCache() {
        return keyCache;
    }

    /** Where the management API reports key changes; present with a database. */
    Optional<KeyInvalidation> invalidation() {
        return invalidation;
    }

    Ledger ledger() {
        return ledger;
    }

    RateLimiter rateLimiter() {
        return rateLimiter.limiter();
    }

    Optional<SpendLogWriter> writer() {
        return writer;
    }

    SpendAccounting accounting() {
        return accounting;
    }

    /** Why the gateway is not ready for keys: null when it is (or when there is no database). */
    String notReady() {
        if (stores.isEmpty()) {
            return null;
        }
        if (!migrated) {
            return "database: not reachable yet (" + stores.get().database().describe() + ")";
        }
        if (!stores.get().database().ping()) {
            return "database: not answering";
        }
        // a replica that does not hear other replicas' key changes yet would serve a blocked key for up to a second
        if (invalidation.orElse(null) instanceof RedisKeyInvalidation shared && !shared.listening()) {
            return "redis: not listening for key changes yet";
        }
        return null;
    }

    private void migrate() {
        long backoff = 250;
        while (!jobs.isShutdown()) {
            try {
                List<String> applied = Migrations.apply(stores.orElseThrow().database());
                if (!applied.isEmpty()) {
                    log.info("database schema updated", "applied", String.join(",", applied));
                }
                migrated = true;
                ScheduledFuture<?> unused = jobs.scheduleWithFixedDelay(
                        this::resetBudgets, 0, RESET_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (RuntimeException e) {
                if (backoff == 250) {
                    log.warn(
                            "database not reachable; retrying in the background",
                            "error",
                            String.valueOf(e.getMessage()));
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** Runs every period on every replica; each row's reset is a conditional update, so it happens once. */
    private void resetBudgets() {
        Stores s = stores.orElseThrow();
        Instant now = clock.instant();
        try {
            List<String> reset = new ArrayList<>();
            reset.addAll(s.keys().resetBudgets(now));
            reset.addAll(s.users().resetBudgets(now));
            reset.addAll(s.teams().resetBudgets(now));
            reset.addAll(s.organizations().resetBudgets(now));
            if (!reset.isEmpty()) {
                keyCache.ifPresent(KeyCache::all);
                log.info("budgets reset", "count", reset.size());
            }
        } catch (RuntimeException e) {
            log.warn("budget reset skipped; the database did not answer", "error", String.valueOf(e.getMessage()));
        }
    }

    /** Writes the spend rows still queued (or spills them), then closes the pool. */
    void drain(Duration timeout) {
        jobs.shutdownNow();
        invalidation.ifPresent(i -> {
            if (i instanceof RedisKeyInvalidation shared) {
                shared.close();
            }
        });
        writer.ifPresent(w -> w.drain(timeout));
        ledger.close();
        rateLimiter.close();
        stores.ifPresent(s -> s.database().close());
    }

    @Override
    public void close() {
        drain(Duration.ofSeconds(5));
    }
}
