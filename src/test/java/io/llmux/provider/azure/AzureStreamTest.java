package io.llmux.provider.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.azure.AzureTesting.CHAT_PATH;
import static io.llmux.provider.azure.AzureTesting.DEPLOYMENT;
import static io.llmux.provider.azure.AzureTesting.KEY;
import static io.llmux.provider.azure.AzureTesting.call;
import static io.llmux.provider.azure.AzureTesting.config;
import static io.llmux.provider.azure.AzureTesting.drain;
import static io.llmux.provider.azure.AzureTesting.fixture;
import static io.llmux.provider.azure.AzureTesting.fixtureText;
import static io.llmux.provider.azure.AzureTesting.payloads;
import static io.llmux.provider.azure.AzureTesting.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.HttpClients;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Azure streams through the openai adapter: the prompt-filter chunk that comes first with {@code choices: []}, the
 * filter annotations on every chunk and {@code finish_reason: content_filter} all pass through as Azure sent them.
 */
class AzureStreamTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<Provider> providers = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void closeAll() {
        streams.forEach(EventStream::close);
        providers.forEach(Provider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private Provider provider() {
        ProviderConfig config = config(URI.create(UPSTREAM.baseUrl()), "2024-10-21", List.of(DEPLOYMENT));
        Provider provider = AzureProviders.create(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20);
        providers.add(provider);
        return provider;
    }

    private static void streamAnswer(String pathAndQuery, String fixture) {
        UPSTREAM.stubFor(post(urlEqualTo(pathAndQuery))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream; charset=utf-8")
                        .withBody(fixture(fixture))));
    }

    private EventStream open(Provider provider, Call call) throws ProviderFailure {
        EventStream events = ((Answer.Streamed) provider.call(call)).events();
        streams.add(events);
        return events;
    }

    private static List<String> withoutUsageChunk(List<String> payloads) {
        List<String> out = new ArrayList<>(payloads);
        out.removeIf(p -> p.contains("\"choices\":[]") && p.contains("\"usage\":{"));
        assertThat(out).hasSize(payloads.size() - 1);
        return out;
    }

    @Test
    void thePromptFilterChunkWithoutChoicesPassesThroughFirst() throws Exception {
        streamAnswer(CHAT_PATH, "chat-stream.sse");

        List<String> got = drain(open(provider(), stream(false)));

        List<String> sent = payloads(fixtureText("chat-stream.sse"));
        assertThat(got).containsExactlyElementsOf(withoutUsageChunk(sent));
        JsonNode first = Json.MAPPER.readTree(got.get(0));
        assertThat(first.get("choices")).isEmpty();
        assertThat(first.has("prompt_filter_results")).isTrue();
    }

    @Test
    void usageIsAccountedFromTheStreamWhetherOrNotTheClientAskedForIt() throws Exception {
        streamAnswer(CHAT_PATH, "chat-stream.sse");

        EventStream hidden = open(provider(), stream(false));
        drain(hidden);
        EventStream shown = open(provider(), stream(true));
        List<String> got = drain(shown);

        assertThat(hidden.usage()).isEqualTo(new Usage(1290, 3, 1152));
        assertThat(shown.usage()).isEqualTo(new Usage(1290, 3, 1152));
        assertThat(got).containsExactlyElementsOf(payloads(fixtureText("chat-stream.sse")));
        for (LoggedRequest sent : UPSTREAM.findAll(postRequestedFor(urlEqualTo(CHAT_PATH)))) {
            assertThat(Json.MAPPER
                            .readTree(sent.getBody())
                            .at("/stream_options/include_usage")
                            .asBoolean())
                    .isTrue();
            assertThat(sent.getHeader("Accept")).isEqualTo("text/event-stream");
            assertThat(sent.getHeader("api-key")).isEqualTo(KEY);
        }
    }

    @Test
    void finishReasonContentFilterPassesThrough() throws Exception {
        streamAnswer(CHAT_PATH, "chat-stream-content-filter.sse");

        EventStream events = open(provider(), stream(false));
        List<String> got = drain(events);

        List<String> sent = payloads(fixtureText("chat-stream-content-filter.sse"));
        assertThat(got).containsExactlyElementsOf(withoutUsageChunk(sent));
        assertThat(Json.MAPPER
                        .readTree(got.get(got.size() - 1))
                        .at("/choices/0/finish_reason")
                        .asText())
                .isEqualTo("content_filter");
        assertThat(events.usage()).isEqualTo(new Usage(19, 5, 0));
    }

    @Test
    void aLegacyCompletionStreamPassesThrough() throws Exception {
        String path = "/openai/deployments/dep-chat/completions?api-version=2024-10-21";
        streamAnswer(path, "completion-stream.sse");

        EventStream events = open(
                provider(),
                call(
                        Endpoint.COMPLETIONS,
                        "{\"model\":\"azure-gpt\",\"prompt\":\"Say this\",\"stream\":true}",
                        true,
                        true));

        assertThat(drain(events)).containsExactlyElementsOf(payloads(fixtureText("completion-stream.sse")));
        assertThat(events.usage()).isEqualTo(new Usage(5, 7, 0));
    }

    @Test
    void aContentFilterRefusalOfAStreamFailsBeforeTheFirstByte() {
        UPSTREAM.stubFor(post(urlEqualTo(CHAT_PATH))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody(fixture("error-content-filter.json"))));

        ProviderFailure f =
                catchThrowableOfType(ProviderFailure.class, () -> provider().call(stream(false)));

        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorCode()).isEqualTo("content_filter");
        assertThat(f.getMessage()).endsWith("(filtered: hate (high), violence (medium))");
    }
}
