package io.llmux.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * Reads {@code providers:}. A provider whose credential variable is unset loads disabled with a warning rather than
 * failing the file (SPEC §2), so the original README's config loads with any subset of its variables set.
 */
final class ProviderSection {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Map<String, ProviderType> TYPES =
            Walker.names(ProviderType.values(), ProviderType::configName);

    private final Walker walker;
    private final Findings findings;

    ProviderSection(Walker walker) {
        this.walker = walker;
        this.findings = walker.findings();
    }

    List<ProviderConfig> read(Section root) {
        List<ProviderConfig> providers = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        for (Section.Item item : root.list("providers")) {
            if (!(item.node() instanceof MappingNode)) {
                findings.problem(
                        item.path(),
                        item.node(),
                        "must be a provider (name, type, api_key, models, ...), not " + Walker.kind(item.node()));
                continue;
            }
            providers.add(provider(walker.section(item.path(), item.node(), true), names));
        }
        return providers;
    }

    private ProviderConfig provider(Section p, Map<String, String> names) {
        String name = name(p, names);
        ProviderType type = p.choice("type", null, "provider type", TYPES);
        if (!p.has("type")) {
            p.missing("type", "missing (one of " + String.join(", ", TYPES.keySet()) + ")");
        }
        // an invalid type is already a problem; reading on as openai still checks every other key
        ProviderType as = type == null ? ProviderType.OPENAI : type;
        String label = name == null ? p.path() : name;

        Walker.Text url = walker.text(p.pathOf("base_url"), p.node("base_url"), "a URL");
        String urlUnset = url != null && !url.unset().isEmpty() ? url.unset().get(0) : null;
        URI baseUrl = urlUnset != null ? defaultUrl(as) : baseUrl(p, as, url);
        Walker.Text key = walker.text(p.pathOf("api_key"), p.node("api_key"), "a string");
        String apiKey = key == null ? "" : key.value().strip();
        String missing = as == ProviderType.MOCK ? null : missingCredential(as, key, urlUnset, baseUrl);

        Map<String, String> headers = headers(p, as);
        String apiVersion = apiVersion(p, as, headers);
        Duration timeout = p.positiveDuration("timeout", ProviderConfig.DEFAULT_TIMEOUT);
        Duration streamTimeout = p.positiveDuration("stream_timeout", ProviderConfig.DEFAULT_STREAM_TIMEOUT);
        int maxConcurrent = p.integer("max_concurrent", ProviderConfig.DEFAULT_MAX_CONCURRENT, 1, Integer.MAX_VALUE);
        double weight = p.decimal("weight", 1, 0, Double.MAX_VALUE);
        List<String> tags = p.strings("tags", List.of());
        MockOptions mock = mockOptions(p, type);
        List<DeploymentConfig> models = new ModelEntries(walker).read(p, weight, tags);
        ProviderConfig provider = new ProviderConfig(
                name == null ? label : name,
                as,
                as == ProviderType.MOCK ? "" : apiKey,
                missing,
                baseUrl,
                apiVersion,
                timeout,
                streamTimeout,
                maxConcurrent,
                headers,
                weight,
                tags,
                models,
                mock);
        if (!provider.enabled()) {
            findings.warn("provider " + label + " is disabled: " + provider.disabledReason());
        }
        return provider;
    }

    private String name(Section p, Map<String, String> names) {
        String name = p.string("name", null);
        if (name == null) {
            p.missing("name", "missing (every provider needs a unique name)");
            return null;
        }
        name = name.strip();
        if (!NAME.matcher(name).matches()) {
            findings.problem(
                    p.pathOf("name"),
                    p.node("name"),
                    Walker.quote(name) + " is not a valid provider name (letters, digits, '.', '_' and '-')");
        }
        String first = names.putIfAbsent(name, p.path());
        if (first != null) {
            findings.problem(p.pathOf("name"), p.node("name"), Walker.quote(name) + " is already the name of " + first);
        }
        return name;
    }

    /**
     * The variable (or {@link ProviderConfig#NO_API_KEY}) that leaves the provider without a credential, or null. An
     * empty key is allowed only for an OpenAI-compatible server of one's own (a local vLLM or Ollama needs none); a
     * variable that {@code ${VAR:}} defaulted to empty is still named, since setting it is the fix.
     */
    private static String missingCredential(ProviderType type, Walker.Text key, String urlUnset, URI baseUrl) {
        if (key != null && !key.unset().isEmpty()) {
            return key.unset().get(0);
        }
        if (urlUnset != null) {
            return urlUnset;
        }
        if (key != null && !key.value().isBlank()) {
            return null;
        }
        boolean ownServer = type == ProviderType.OPENAI
                && baseUrl != null
                && !baseUrl.toString().equals(type.defaultBaseUrl());
        if (ownServer) {
            return null;
        }
        return key != null && !key.referenced().isEmpty() ? key.referenced().get(0) : ProviderConfig.NO_API_KEY;
    }

    private URI baseUrl(Section p, ProviderType type, Walker.Text url) {
        String raw = url == null ? "" : url.value().strip();
        if (raw.isEmpty()) {
            if (type == ProviderType.AZURE) {
                p.missing("base_url", "missing: azure needs base_url (https://{resource}.openai.azure.com)");
            }
            return defaultUrl(type);
        }
        try {
            return BaseUrls.parse(raw);
        } catch (IllegalArgumentException e) {
            findings.problem(p.pathOf("base_url"), p.node("base_url"), e.getMessage());
            return defaultUrl(type);
        }
    }

    private static URI defaultUrl(ProviderType type) {
        return type.defaultBaseUrl() == null ? null : URI.create(type.defaultBaseUrl());
    }

    private Map<String, String> headers(Section p, ProviderType type) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Section.Entry e : p.section("headers").entries()) {
            if (e.key().isBlank() || e.key().chars().anyMatch(c -> c <= ' ' || c == ':' || c > '~')) {
                findings.problem(e.path(), e.keyNode(), Walker.quote(e.key()) + " is not a header name");
                continue;
            }
            String value = walker.string(e.path(), e.value());
            if (type == ProviderType.AZURE && e.key().toLowerCase(Locale.ROOT).equals("api-version")) {
                findings.warn(e.path() + ": deprecated key of the original LLMux; use api_version");
            }
            headers.put(e.key(), value == null ? "" : value);
        }
        return headers;
    }

    private String apiVersion(Section p, ProviderType type, Map<String, String> headers) {
        String version = p.string("api_version", null);
        if (type != ProviderType.AZURE) {
            if (version != null) {
                findings.warn(p.pathOf("api_version") + ": ignored (only azure uses it)");
            }
            return null;
        }
        // the original LLMux sent it as a header; it belongs in the URL now, so it leaves the header map
        String legacy = null;
        for (String header : List.copyOf(headers.keySet())) {
            if (header.toLowerCase(Locale.ROOT).equals("api-version")) {
                legacy = headers.remove(header);
            }
        }
        if (version != null) {
            return version.strip();
        }
        return legacy != null && !legacy.isBlank() ? legacy.strip() : ProviderConfig.DEFAULT_AZURE_API_VERSION;
    }

    private MockOptions mockOptions(Section p, ProviderType type) {
        if (type == ProviderType.MOCK) {
            MockOptions d = MockOptions.DEFAULT;
            return new MockOptions(
                    p.duration("latency", d.latency()),
                    p.integer("stream_chunks", d.streamChunks(), 1, Integer.MAX_VALUE),
                    p.string("response", d.response()));
        }
        for (String key : List.of("latency", "stream_chunks", "response")) {
            if (type == null) {
                p.node(key); // the type is already wrong: no second problem for these keys
            } else {
                p.reject(key, "only valid for providers of type mock");
            }
        }
        return MockOptions.DEFAULT;
    }
}
