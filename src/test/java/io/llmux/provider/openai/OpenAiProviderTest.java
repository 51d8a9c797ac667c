package io.llmux.provider.openai;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.openai.OpenAiTesting.CHAT_BODY;
import static io.llmux.provider.openai.OpenAiTesting.KEY;
import static io.llmux.provider.openai.OpenAiTesting.call;
import static io.llmux.provider.openai.OpenAiTesting.chat;
import static io.llmux.provider.openai.OpenAiTesting.config;
import static io.llmux.provider.openai.OpenAiTesting.fixture;
import static io.llmux.provider.openai.OpenAiTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.HttpClients;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The non-streaming half of the openai adapter, against WireMock: request shaping, answers, error mapping. */
class OpenAiProviderTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<OpenAiProvider> providers = new ArrayList<>();

    @AfterEach
    void closeProviders() {
        providers.forEach(OpenAiProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private OpenAiProvider provider() {
        return provider(KEY, Duration.ofSeconds(2), Map.of());
    }

    private OpenAiProvider provider(String key, Duration timeout, Map<String, String> headers) {
        return provider(config(URI.create(UPSTREAM.baseUrl() + "/v1"), key, timeout, Duration.ofSeconds(2), headers));
    }

    private OpenAiProvider provider(ProviderConfig config) {
        OpenAiProvider provider = new OpenAiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20);
        providers.add(provider);
        return provider;
    }

    private static void answer(String path, int status, byte[] body) {
        UPSTREAM.stubFor(post(path)
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    private LoggedRequest onlyRequest(String path) {
        List<LoggedRequest> requests = UPSTREAM.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private ProviderFailure failure(OpenAiProvider provider, Call call) {
        return catchThrowableOfType(ProviderFailure.class, () -> provider.call(call));
    }

    @Test
    void forwardedBodyEqualsClientBodyWithModelRewritten() throws Exception {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        String client = """
                {"model":"fast","messages":[{"role":"user","content":[{"type":"text","text":"Hi"},\
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],\
                "temperature":0.70,"top_p":1.0,"stop":["\\n\\n","END"],"max_completion_tokens":100,\
                "response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,\
                "schema":{"type":"object","properties":{}}}},\
                "tools":[{"type":"function","function":{"name":"f","strict":true,"parameters":{}}}],\
                "parallel_tool_calls":false,"logprobs":true,"x_vendor":{"nested":[1,2.50,null]}}""";
        Call call = call(Endpoint.CHAT, client, false, false);

        provider().call(call);

        byte[] sent = onlyRequest("/v1/chat/completions").getBody();
        ObjectNode expected = json(client);
        expected.put("model", "gpt-4o-mini");
        assertThat(Json.MAPPER.readTree(sent)).isEqualTo(expected);
        assertThat(new String(sent, StandardCharsets.UTF_8))
                .startsWith("{\"model\":\"gpt-4o-mini\",")
                .contains("\"temperature\":0.70", "\"top_p\":1.0", "2.50");
        assertThat(call.body().get("model").asText())
                .as("the client's tree, kept for a retry")
                .isEqualTo("fast");
    }

    @Test
    void stopAsAStringPassesThrough() throws Exception {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        provider().call(call(Endpoint.CHAT, "{\"model\":\"fast\",\"messages\":[],\"stop\":\"END\"}", false, false));
        assertThat(Json.MAPPER
                        .readTree(onlyRequest("/v1/chat/completions").getBody())
                        .get("stop")
                        .asText())
                .isEqualTo("END");
    }

    @Test
    void requestCarriesKeyContentTypeAcceptTraceparentAndConfiguredHeaders() throws ProviderFailure {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        Call call = new Call(
                Endpoint.CHAT,
                json(CHAT_BODY),
                OpenAiTesting.DEPLOYMENT,
                false,
                false,
                "req-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        provider(KEY, Duration.ofSeconds(2), Map.of("OpenAI-Organization", "org-llmux"))
                .call(call);

        LoggedRequest sent = onlyRequest("/v1/chat/completions");
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(sent.getHeader("Accept")).isEqualTo("application/json");
        assertThat(sent.getHeader("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(sent.getHeader("OpenAI-Organization")).isEqualTo("org-llmux");
    }

    @Test
    void tracestateGoesUpWithItsTraceparent() throws ProviderFailure {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        Call call = new Call(
                Endpoint.CHAT,
                json(CHAT_BODY),
                OpenAiTesting.DEPLOYMENT,
                false,
                false,
                "req-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "congo=t61rcWkgMzE");

        provider(KEY, Duration.ofSeconds(2), Map.of()).call(call);

        assertThat(onlyRequest("/v1/chat/completions").getHeader("tracestate")).isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void anEmptyKeySendsNoAuthorization() throws ProviderFailure {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        provider("", Duration.ofSeconds(2), Map.of()).call(chat());
        LoggedRequest sent = onlyRequest("/v1/chat/completions");
        assertThat(sent.containsHeader("Authorization")).isFalse();
        assertThat(sent.containsHeader("traceparent")).isFalse();
        assertThat(sent.containsHeader("tracestate")).isFalse();
    }

    @Test
    void wholeAnswerIsTheUpstreamBytesWithItsUsage() throws ProviderFailure {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        Answer.Whole whole = (Answer.Whole) provider().call(chat());
        assertThat(whole.body()).isEqualTo(fixture("chat.json"));
        assertThat(whole.usage()).isEqualTo(new Usage(1262, 8, 1152));
    }

    @Test
    void legacyCompletionsGoToTheirPath() throws ProviderFailure {
        answer("/v1/completions", 200, fixture("completion.json"));
        Answer.Whole whole = (Answer.Whole) provider()
                .call(call(
                        Endpoint.COMPLETIONS, "{\"model\":\"fast\",\"prompt\":\"Say this is a test\"}", false, false));
        assertThat(whole.body()).isEqualTo(fixture("completion.json"));
        assertThat(whole.usage()).isEqualTo(new Usage(5, 7, 0));
    }

    @Test
    void embeddingsGoToTheirPathAndCountPromptTokensOnly() throws ProviderFailure {
        answer("/v1/embeddings", 200, fixture("embeddings.json"));
        Answer.Whole whole = (Answer.Whole)
                provider().call(call(Endpoint.EMBEDDINGS, "{\"model\":\"fast\",\"input\":\"hello\"}", false, false));
        assertThat(whole.body()).isEqualTo(fixture("embeddings.json"));
        assertThat(whole.usage()).isEqualTo(new Usage(8, 0, 0));
    }

    @Test
    void aSuccessThatIsNotJsonIsATransientFailure() {
        answer("/v1/chat/completions", 200, "<html>upstream proxy says hi</html>".getBytes(StandardCharsets.UTF_8));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("returned a malformed answer (not a JSON object)");
    }

    @Test
    void upstream401IsAuthFailure() {
        answer("/v1/chat/completions", 401, fixture("error-401.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.AUTH);
        assertThat(f.upstreamStatus()).isEqualTo(401);
        assertThat(f.errorCode()).isEqualTo("invalid_api_key");
        assertThat(f.getMessage())
                .startsWith("Incorrect API key provided: sk-proj-****")
                .doesNotContain(KEY);
    }

    @Test
    void upstream403IsAuthFailure() {
        answer(
                "/v1/chat/completions",
                403,
                "{\"error\":{\"message\":\"Project does not have access\"}}".getBytes(StandardCharsets.UTF_8));
        assertThat(failure(provider(), chat()).kind()).isEqualTo(Failure.AUTH);
    }

    @Test
    void upstream429IsRateLimitedWithItsRetryAfter() {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "20")
                        .withBody(fixture("error-429.json"))));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(f.errorCode()).isEqualTo("rate_limit_exceeded");
        assertThat(f.getMessage()).startsWith("Rate limit reached for gpt-4o-mini");
    }

    @Test
    void contextLengthExceededIsItsOwnFailure() {
        answer("/v1/chat/completions", 400, fixture("error-context-length.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.CONTEXT_LENGTH);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.param()).isEqualTo("messages");
    }

    @Test
    void aBadParameterKeepsTheProvidersStatusAndFields() {
        answer("/v1/chat/completions", 400, fixture("error-400.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(f.param()).isEqualTo("temperature");
        assertThat(f.errorCode()).isEqualTo("invalid_type");
        assertThat(f).hasMessage("Invalid type for 'temperature': expected a decimal," + " but got a string instead.");
    }

    @Test
    void serverErrorsAndRequestTimeoutsAreTransient() {
        answer("/v1/chat/completions", 500, fixture("error-500.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.upstreamStatus()).isEqualTo(500);
        assertThat(f.errorType()).isEqualTo("server_error");

        answer("/v1/chat/completions", 408, "request timeout".getBytes(StandardCharsets.UTF_8));
        assertThat(failure(provider(), chat()).kind()).isEqualTo(Failure.TRANSIENT);
        answer("/v1/chat/completions", 503, new byte[0]);
        assertThat(failure(provider(), chat())).hasMessage("the provider sent no message");
    }

    @Test
    void errorBodiesAreReadOnlyAsFarAsAMessageNeeds() {
        answer("/v1/chat/completions", 502, "bad gateway ".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage()).startsWith("bad gateway bad gateway").hasSizeLessThan(1100);
    }

    @Test
    void aKeyEchoedByTheProviderIsMasked() {
        answer(
                "/v1/chat/completions",
                401,
                ("{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(failure(provider(), chat()).getMessage()).doesNotContain(KEY).contains("provided: ****.");
    }

    @Test
    void lateHeadersAreATimeout() {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse().withStatus(200).withFixedDelay(600).withBody(fixture("chat.json"))));
        ProviderFailure f = failure(provider(KEY, Duration.ofMillis(250), Map.of()), chat());
        assertThat(f.kind()).isEqualTo(Failure.TIMEOUT);
        assertThat(f).hasMessage("did not answer within 250ms (timeout)");
    }

    @Test
    void theTimeoutBoundsTheBodyTooAndAbortsTheExchange() throws Exception {
        try (RawUpstream upstream = new RawUpstream(out -> {
            String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
            out.write((head + "{\"id\":").getBytes(StandardCharsets.US_ASCII));
            out.flush(); // then nothing: the body stalls after its first bytes
        })) {
            OpenAiProvider provider =
                    provider(config(upstream.baseUrl(), KEY, Duration.ofMillis(300), Duration.ofSeconds(5), Map.of()));
            long start = System.nanoTime();
            ProviderFailure f = failure(provider, chat());
            assertThat(f.kind()).isEqualTo(Failure.TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(upstream.connectionClosed.await(2, TimeUnit.SECONDS))
                    .as("the upstream connection was dropped")
                    .isTrue();
        }
    }

    @Test
    void anInterruptedCallFailsAndKeepsTheInterrupt() {
        answer("/v1/chat/completions", 200, fixture("chat.json"));
        OpenAiProvider provider = provider();
        Thread.currentThread().interrupt();
        ProviderFailure f = failure(provider, chat());
        assertThat(Thread.interrupted()).as("the interrupt flag was restored").isTrue();
        assertThat(f).hasMessage("the call was interrupted");

        Thread.currentThread().interrupt();
        ProviderFailure streamed = failure(provider, OpenAiTesting.stream(false));
        assertThat(Thread.interrupted()).isTrue();
        assertThat(streamed).hasMessage("the call was interrupted");
    }

    @Test
    void aRefusedConnectionIsTransientAndItsUrlHasNoQueryString() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ProviderConfig config = config(
                URI.create("http://127.0.0.1:" + port), KEY, Duration.ofSeconds(2), Duration.ofSeconds(2), Map.of());
        OpenAiAddress address = new OpenAiAddress(
                (endpoint, deployment) -> URI.create("http://127.0.0.1:" + port + "/openai/deployments/"
                        + deployment.model() + "/chat/completions?api-version=2024-10-21&sig=s3cr3t"),
                "api-key",
                KEY);
        OpenAiProvider provider =
                new OpenAiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20, address);
        providers.add(provider);

        ProviderFailure f = failure(provider, chat());

        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage())
                .startsWith("could not connect to http://127.0.0.1:" + port
                        + "/openai/deployments/gpt-4o-mini/chat/completions")
                .doesNotContain("?", "s3cr3t", KEY);
        assertThat(address.toString()).doesNotContain(KEY);
    }
}
