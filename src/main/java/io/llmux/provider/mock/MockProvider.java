package io.llmux.provider.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.config.MockOptions;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The built-in {@code mock} provider: answers in-process in OpenAI's shape, with no network and no key, for the
 * README's first request, demos, tests and benchmarks. Options: {@code latency}, {@code stream_chunks},
 * {@code response}.
 */
public final class MockProvider implements Provider {
    private final ProviderConfig config;
    private final MockOptions options;
    private final Clock clock;

    public MockProvider(ProviderConfig config, Clock clock) {
        this.config = config;
        this.options = config.mock();
        this.clock = clock;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        pause(options.latency().toMillis());
        String model = call.deployment().model();
        long created = clock.millis() / 1000;
        ObjectNode body = call.body();
        return switch (call.endpoint()) {
            case EMBEDDINGS -> whole(MockEmbeddings.answer(body, model));
            case CHAT -> {
                MockAnswer a = MockAnswer.of(body, options.response(), "messages");
                yield call.stream()
                        ? stream(
                                MockWire.chatChunks(a, model, created, options.streamChunks(), call.clientWantsUsage()),
                                a)
                        : whole(MockWire.chatCompletion(a, model, created));
            }
            case COMPLETIONS -> {
                MockAnswer a = MockAnswer.of(body, options.response(), "prompt");
                yield call.stream()
                        ? stream(
                                MockWire.textChunks(a, model, created, options.streamChunks(), call.clientWantsUsage()),
                                a)
                        : whole(MockWire.textCompletion(a, model, created));
            }
        };
    }

    private static Answer whole(ObjectNode answer) throws ProviderFailure {
        try {
            return new Answer.Whole(Json.MAPPER.writeValueAsBytes(answer), usageOf(answer));
        } catch (JsonProcessingException e) {
            throw ProviderFailure.of(Failure.TRANSIENT, "the mock could not write its answer");
        }
    }

    private static Answer stream(List<ObjectNode> chunks, MockAnswer a) throws ProviderFailure {
        List<byte[]> payloads = new ArrayList<>(chunks.size());
        try {
            for (ObjectNode c : chunks) {
                payloads.add(Json.MAPPER.writeValueAsBytes(c));
            }
        } catch (JsonProcessingException e) {
            throw ProviderFailure.of(Failure.TRANSIENT, "the mock could not write its answer");
        }
        Usage usage = new Usage(a.promptTokens(), a.completionTokens(), 0);
        Iterator<byte[]> it = payloads.iterator();
        return new Answer.Streamed(new EventStream() {
            @Override
            public byte[] next() throws GatewayException {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public boolean more() {
                return it.hasNext();
            }

            @Override
            public Usage usage() {
                return usage;
            }

            @Override
            public void close() {}
        });
    }

    private static Usage usageOf(ObjectNode answer) {
        var u = answer.path("usage");
        return new Usage(
                u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong(), 0);
    }

    private static void pause(long millis) throws ProviderFailure {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProviderFailure.of(Failure.TIMEOUT, "interrupted while the mock waited");
        }
    }

    @Override
    public void close() {}
}
