package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.auth.Principal;
import io.llmux.config.CacheConfig;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.telemetry.GatewayMetrics;
import io.llmux.wire.Json;
import io.llmux.wire.RequestShape;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The response cache (SPEC §7), after auth and rate limits: a cached answer still counts against the caller's
 * request rate, and costs nothing. Entries are scoped by tenant ({@link #tenant}), keyed by {@link CacheKey}. A hit
 * serves streaming and non-streaming requests alike; a miss stores the answer once it is whole and successful, a
 * stream once it completed. {@code x-llmux-cache} says which: {@code hit}, {@code miss}, or {@code bypass} when the
 * request, the model group or the endpoint rules the cache out.
 */
public final class CacheStage implements Stage {
    private static final String HEADER = "x-llmux-cache";
    private static final String LOCAL = "local";

    private final ResponseCache cache;
    private final CacheConfig config;
    private final ModelGroups groups;
    private final GatewayMetrics.CacheCounts counts;

    public CacheStage(ResponseCache cache, CacheConfig config, ModelGroups groups, GatewayMetrics metrics) {
        this.cache = cache;
        this.config = config;
        this.groups = groups;
        this.counts = metrics.cacheCounts(cache.layer());
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ModelGroup group = groups.resolve(ex.model());
        if (group == null) {
            return next.proceed(ex); // the router answers 404
        }
        RequestShape.CacheControl control = ex.cacheControl();
        boolean usable = usable(ex, group);
        if (!usable || (control.noCache() && control.noStore())) {
            counts.bypass().inc();
            ex.responseHeader(HEADER, "bypass");
            return next.proceed(ex);
        }
        String key = CacheKey.of(tenant(ex), ex.endpoint().name(), group.name(), ex.body());
        if (!control.noCache()) {
            byte[] cached = cache.get(key).orElse(null);
            if (cached != null) {
                Reply hit = hit(ex, cached);
                if (hit != null) {
                    counts.hit().inc();
                    return hit;
                }
            }
        }
        (control.noCache() ? counts.bypass() : counts.miss()).inc();
        ex.responseHeader(HEADER, control.noCache() ? "bypass" : "miss");
        Reply reply = next.proceed(ex);
        Duration ttl = control.ttlSeconds() >= 0 ? Duration.ofSeconds(control.ttlSeconds()) : config.ttl();
        if (control.noStore() || ttl.isZero() || !answeredCacheably(ex)) {
            return reply;
        }
        return switch (reply) {
            case Reply.Json json -> {
                if (json.status() == 200) {
                    store(key, json.body(), ttl);
                }
                yield json;
            }
            case Reply.Stream stream ->
                new Reply.Stream(
                        new StoringStream(stream.events(), config.maxItemSize(), whole -> store(key, whole, ttl)));
        };
    }

    /**
     * Stores an answer. Into memory at once; a Redis write goes on its own virtual thread, so the client does not
     * wait a round trip for an entry it does not need.
     */
    private void store(String key, byte[] answer, Duration ttl) {
        if (LOCAL.equals(cache.layer())) {
            cache.put(key, answer, ttl);
        } else {
            Thread.ofVirtual().name("llmux-cache-put").start(() -> cache.put(key, answer, ttl));
        }
    }

    /** A cached answer as the client asked for it; null when the entry cannot be read (then it is a miss). */
    private Reply hit(Exchange ex, byte[] cached) {
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(cached);
        } catch (IOException e) {
            return null;
        }
        List<byte[]> chunks = null;
        if (ex.stream()) {
            chunks = StreamReplay.chunks(answer, ex.clientWantsUsage());
            if (chunks == null) {
                return null; // an answer replay cannot write faithfully is fetched again
            }
        }
        ex.cacheHit(true);
        ex.usage(UsageJson.read(answer.path("usage")));
        ex.responseHeader(HEADER, "hit");
        return chunks != null ? new Reply.Stream(new ReplayedStream(chunks, ex.usage())) : new Reply.Json(200, cached);
    }

    /**
     * Whether this stage will look the request up, so that it may answer without the router: stages ahead of it use
     * this to skip work only a routed request needs.
     */
    public static boolean mayAnswer(Exchange ex, ModelGroup group) {
        return usable(ex, group) && !ex.cacheControl().noCache();
    }

    /**
     * Whether the cache applies to the request at all. A legacy completion streams text_completion chunks, which
     * replay does not write: such requests pass by.
     */
    private static boolean usable(Exchange ex, ModelGroup group) {
        return cacheable(group) && !(ex.stream() && ex.endpoint() != Endpoint.CHAT);
    }

    /** Whether any deployment of the group may have its answers cached. */
    private static boolean cacheable(ModelGroup group) {
        for (Deployment d : group.deployments()) {
            if (d.model().cache()) {
                return true;
            }
        }
        return false;
    }

    /** The deployment that answered allows caching (a group may mix deployments that do and do not). */
    private static boolean answeredCacheably(Exchange ex) {
        return ex.deploymentConfig() != null && ex.deploymentConfig().cache();
    }

    /**
     * Whose entries these are: a key's team shares its entries, a key without a team has its own, the master key and
     * an open gateway one each. Tenants never see each other's answers.
     */
    static String tenant(Exchange ex) {
        Principal p = ex.principal();
        if (p != null) {
            return p.team() != null
                    ? "team:" + p.team().teamId()
                    : "key:" + p.key().token();
        }
        return "master".equals(ex.caller()) ? "master" : "open";
    }
}
