package io.llmux.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Call;
import io.llmux.wire.Json;
import java.io.UncheckedIOException;

/** The request body sent upstream: the client's, with {@code model} rewritten and usage asked for on streams. */
final class OpenAiWire {

    private OpenAiWire() {}

    /**
     * Serialises the body for {@code call}. Only top-level fields change, so the copy is of the top level alone: the
     * nested nodes (messages, tools, images) are shared, never written, and the client's tree stays as it was for a
     * retry on another deployment. Every other field passes through untouched, unknown ones included.
     */
    static byte[] body(Call call) {
        ObjectNode client = call.body();
        ObjectNode upstream = client.objectNode();
        upstream.setAll(client);
        upstream.put("model", call.deployment().model());
        if (call.stream() != client.path("stream").asBoolean(false)) {
            upstream.put("stream", call.stream());
        }
        if (call.stream() && call.endpoint() != Endpoint.EMBEDDINGS) {
            askForUsage(upstream, client.get("stream_options"));
        }
        try {
            return Json.MAPPER.writeValueAsBytes(upstream);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a JSON tree could not be written", e);
        }
    }

    /**
     * The gateway accounts tokens from every stream, so it always asks for the usage chunk (merged into the client's
     * {@code stream_options}); the stream forwards that chunk only when the client asked for it. A
     * {@code stream_options} that is not an object is left for the provider to reject, naming the param.
     */
    private static void askForUsage(ObjectNode upstream, JsonNode clientOptions) {
        if (clientOptions == null || clientOptions.isNull()) {
            upstream.putObject("stream_options").put("include_usage", true);
        } else if (clientOptions.isObject()) {
            ObjectNode options = ((ObjectNode) clientOptions).deepCopy();
            options.put("include_usage", true);
            upstream.set("stream_options", options);
        }
    }
}
