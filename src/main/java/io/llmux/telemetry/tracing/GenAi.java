package io.llmux.telemetry.tracing;

import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The span attributes LLMux sets: OpenTelemetry's GenAI and HTTP semantic conventions, and a few of its own under
 * {@code llmux.}. Written out rather than taken from the incubating semconv artifact, whose names still move.
 */
final class GenAi {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    /** The name SPEC §10 asks for; newer conventions call it {@code gen_ai.provider.name}, so both are set. */
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");

    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("llmux.request_id");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("llmux.deployment");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("llmux.attempts");
    static final AttributeKey<Boolean> CACHE_HIT = AttributeKey.booleanKey("llmux.cache_hit");

    private GenAi() {}

    /** {@code gen_ai.operation.name}: the convention's words, not the OpenAI object names. */
    static String operation(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT -> "chat";
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
        };
    }

    /** The route the client called, for {@code http.route}. */
    static String route(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT -> "/v1/chat/completions";
            case COMPLETIONS -> "/v1/completions";
            case EMBEDDINGS -> "/v1/embeddings";
        };
    }

    /** {@code gen_ai.provider.name} of a provider type; the mock, which the conventions cannot know, is LLMux's. */
    static String system(ProviderType type) {
        return switch (type) {
            case OPENAI -> "openai";
            case AZURE -> "azure.ai.openai";
            case ANTHROPIC -> "anthropic";
            case GEMINI -> "gcp.gemini";
            case MOCK -> "llmux.mock";
        };
    }
}
