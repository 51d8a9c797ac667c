package io.llmux.provider.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.azure.AzureTesting.CHAT_BODY;
import static io.llmux.provider.azure.AzureTesting.CHAT_PATH;
import static io.llmux.provider.azure.AzureTesting.DEPLOYMENT;
import static io.llmux.provider.azure.AzureTesting.KEY;
import static io.llmux.provider.azure.AzureTesting.call;
import static io.llmux.provider.azure.AzureTesting.chat;
import static io.llmux.provider.azure.AzureTesting.config;
import static io.llmux.provider.azure.AzureTesting.fixture;
import static io.llmux.provider.azure.AzureTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.HttpClients;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.UnavailableProvider;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The azure adapter's whole answers against WireMock: Azure's address, its payloads and its error bodies. */
class AzureProviderTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<Provider> providers = new ArrayList<>();

    @AfterEach
    void closeProviders() {
        providers.forEach(Provider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private Provider provider() {
        return provider(config(URI.create(UPSTREAM.baseUrl()), "2024-10-21", List.of(DEPLOYMENT)));
    }

    private Provider provider(ProviderConfig config) {
        Provider provider = AzureProviders.create(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20);
        providers.add(provider);
        return provider;
    }

    private static void answer(String pathAndQuery, int status, byte[] body) {
        UPSTREAM.stubFor(post(urlEqualTo(pathAndQuery))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    private static LoggedRequest onlyRequest(String pathAndQuery) {
        List<LoggedRequest> requests = UPSTREAM.findAll(postRequestedFor(urlEqualTo(pathAndQuery)));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static ProviderFailure failure(Provider provider, Call call) {
        return catchThrowableOfType(ProviderFailure.class, () -> provider.call(call));
    }

    @Test
    void chatGoesToTheDeploymentPathWithApiVersionAndTheKeyInApiKey() throws ProviderFailure {
        answer(CHAT_PATH, 200, fixture("chat.json"));

        provider().call(chat());

        LoggedRequest sent = onlyRequest(CHAT_PATH);
        assertThat(sent.getHeader("api-key")).isEqualTo(KEY);
        assertThat(sent.containsHeader("Authorization")).isFalse();
        assertThat(sent.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(sent.getHeader("Accept")).isEqualTo("application/json");
    }

    @Test
    void theForwardedBodyIsTheClientsWithModelSetToTheDeploymentName() throws Exception {
        answer(CHAT_PATH, 200, fixture("chat.json"));
        String client = """
                {"model":"azure-gpt","messages":[{"role":"user","content":"Hi"}],"temperature":0.70,\
                "response_format":{"type":"json_object"},"x_vendor":{"nested":[1,2.50,null]}}""";
        Call call = call(Endpoint.CHAT, client, false, false);

        provider().call(call);

        ObjectNode expected = json(client);
        expected.put("model", "dep-chat"); // Azure reads the deployment from the path and ignores model
        assertThat(Json.MAPPER.readTree(onlyRequest(CHAT_PATH).getBody())).isEqualTo(expected);
        assertThat(call.body().get("model").asText()).isEqualTo("azure-gpt");
    }

    @Test
    void theWholeAnswerIsAzuresBytesWithFilterResultsAndItsUsage() throws ProviderFailure {
        answer(CHAT_PATH, 200, fixture("chat.json"));
        Answer.Whole whole = (Answer.Whole) provider().call(chat());
        assertThat(whole.body()).isEqualTo(fixture("chat.json"));
        assertThat(whole.usage()).isEqualTo(new Usage(1290, 10, 1152));
    }

    @Test
    void legacyCompletionsAndEmbeddingsGoUnderTheDeploymentToo() throws ProviderFailure {
        String completions = "/openai/deployments/dep-chat/completions?api-version=2024-10-21";
        String embeddings = "/openai/deployments/dep-chat/embeddings?api-version=2024-10-21";
        answer(completions, 200, fixture("completion.json"));
        answer(embeddings, 200, fixture("embeddings.json"));
        Provider provider = provider();

        Answer.Whole text = (Answer.Whole) provider.call(call(
                Endpoint.COMPLETIONS, "{\"model\":\"azure-gpt\",\"prompt\":\"Say this is a test\"}", false, false));
        Answer.Whole vectors = (Answer.Whole)
                provider.call(call(Endpoint.EMBEDDINGS, "{\"model\":\"azure-gpt\",\"input\":\"hello\"}", false, false));

        assertThat(text.body()).isEqualTo(fixture("completion.json"));
        assertThat(text.usage()).isEqualTo(new Usage(5, 7, 0));
        assertThat(vectors.body()).isEqualTo(fixture("embeddings.json"));
        assertThat(vectors.usage()).isEqualTo(new Usage(4, 0, 0));
        assertThat(onlyRequest(embeddings).getHeader("api-key")).isEqualTo(KEY);
    }

    @Test
    void theApiVersionComesFromTheConfigAndDefaultsTo20241021() throws ProviderFailure {
        String preview = "/openai/deployments/dep-chat/chat/completions?api-version=2025-01-01-preview";
        answer(preview, 200, fixture("chat.json"));
        answer(CHAT_PATH, 200, fixture("chat.json"));

        provider(config(URI.create(UPSTREAM.baseUrl()), "2025-01-01-preview", List.of(DEPLOYMENT)))
                .call(chat());
        provider(config(URI.create(UPSTREAM.baseUrl()), null, List.of(DEPLOYMENT)))
                .call(chat());

        onlyRequest(preview);
        onlyRequest(CHAT_PATH);
    }

    @Test
    void deploymentNamesArePathEncodedAndABaseUrlPathIsKept() throws ProviderFailure {
        DeploymentConfig odd = DeploymentConfig.of("odd", "gpt 4o/eu?x#y", 1.0, List.of());
        String path = "/apim/openai/deployments/gpt%204o%2Feu%3Fx%23y/chat/completions?api-version=2024-10-21";
        answer(path, 200, fixture("chat.json"));

        provider(config(URI.create(UPSTREAM.baseUrl() + "/apim"), "2024-10-21", List.of(odd)))
                .call(new Call(Endpoint.CHAT, json(CHAT_BODY), odd, false, false, "req-1", null));

        onlyRequest(path);
        assertThat(AzureProviders.segment("gpt-4.1_mini~eu")).isEqualTo("gpt-4.1_mini~eu");
        assertThat(AzureProviders.segment("..")).isEqualTo("%2E%2E");
        assertThat(AzureProviders.segment("modèle")).isEqualTo("mod%C3%A8le");
    }

    @Test
    void aDeploymentTheConfigDoesNotListStillGetsItsUrl() throws ProviderFailure {
        DeploymentConfig other = DeploymentConfig.of("other", "dep-other", 1.0, List.of());
        String path = "/openai/deployments/dep-other/chat/completions?api-version=2024-10-21";
        answer(path, 200, fixture("chat.json"));
        provider().call(new Call(Endpoint.CHAT, json(CHAT_BODY), other, false, false, "req-1", null));
        onlyRequest(path);
    }

    @Test
    void aContentFilterRefusalIsA400OfTheRequestNamingTheFilteredCategories() {
        answer(CHAT_PATH, 400, fixture("error-content-filter.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(f.errorCode()).isEqualTo("content_filter");
        assertThat(f.param()).isEqualTo("prompt");
        assertThat(f.getMessage())
                .startsWith("The response was filtered due to the prompt triggering Azure OpenAI's content management"
                        + " policy.")
                .endsWith(" (filtered: hate (high), violence (medium))");
    }

    @Test
    void deploymentNotFoundSaysTheDeploymentNameInTheConfigIsWrong() {
        answer(CHAT_PATH, 404, fixture("error-deployment-not-found.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(404);
        assertThat(f.errorType()).isEqualTo("not_found_error");
        assertThat(f.errorCode()).isEqualTo("DeploymentNotFound");
        assertThat(f.getMessage())
                .startsWith("Azure has no deployment named \"dep-chat\" at " + UPSTREAM.baseUrl() + ": the deployment's"
                        + " model in the LLMux config must be the name of an Azure deployment of this resource")
                .contains("(Azure said: The API deployment for this resource does not exist.");
    }

    @Test
    void resourceNotFoundSaysToCheckBaseUrlAndApiVersion() {
        answer(CHAT_PATH, 404, fixture("error-404-resource.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(404);
        assertThat(f.errorCode()).isNull();
        assertThat(f.getMessage())
                .isEqualTo("Azure answered Resource not found: check the provider's base_url " + UPSTREAM.baseUrl()
                        + " (the resource endpoint, https://{resource}.openai.azure.com) and api_version 2024-10-21"
                        + " (one Azure OpenAI supports, e.g. 2024-10-21)");
    }

    @Test
    void aBaseUrlEndingInOpenaiIsPointedOutWhenTheResourceIsNotFound() {
        String path = "/openai/openai/deployments/dep-chat/chat/completions?api-version=2024-10-21";
        answer(path, 404, fixture("error-404-resource.json"));
        Provider provider = provider(config(URI.create(UPSTREAM.baseUrl() + "/openai"), "2024-10-21", List.of()));
        assertThat(failure(provider, chat()).getMessage())
                .contains("(the resource endpoint, https://{resource}.openai.azure.com, without the /openai the"
                        + " gateway appends itself)");
    }

    @Test
    void aRefusedKeyIsAnAuthFailureWithAzuresMessage() {
        answer(CHAT_PATH, 401, fixture("error-401.json"));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.AUTH);
        assertThat(f.upstreamStatus()).isEqualTo(401);
        assertThat(f.errorCode()).as("Azure's code is only the status again").isNull();
        assertThat(f.getMessage()).startsWith("Access denied due to invalid subscription key or wrong API endpoint.");
    }

    @Test
    void a429IsRateLimitedForItsRetryAfterMs() {
        UPSTREAM.stubFor(post(urlEqualTo(CHAT_PATH))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("retry-after", "6")
                        .withHeader("retry-after-ms", "5750")
                        .withHeader("x-ratelimit-remaining-tokens", "0")
                        .withBody(fixture("error-429.json"))));
        ProviderFailure f = failure(provider(), chat());
        assertThat(f.kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofMillis(5750));
        assertThat(f.errorCode()).isNull();
        assertThat(f.getMessage()).startsWith("Requests to the ChatCompletions_Create Operation");
    }

    @Test
    void aUrlInAnErrorHasNoQueryString() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        Provider provider = provider(config(URI.create("http://127.0.0.1:" + port), "2024-10-21", List.of(DEPLOYMENT)));
        ProviderFailure f = failure(provider, chat());
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage())
                .startsWith("could not connect to http://127.0.0.1:" + port
                        + "/openai/deployments/dep-chat/chat/completions")
                .doesNotContain("?", "api-version", KEY);
    }

    @Test
    void aProviderLeftWithoutBaseUrlAnswersNothingAndSaysWhy() {
        ProviderConfig unset = new ProviderConfig(
                "az",
                ProviderType.AZURE,
                KEY,
                "AZURE_OPENAI_ENDPOINT",
                null,
                "2024-10-21",
                null,
                null,
                10,
                Map.of(),
                1.0,
                List.of(),
                List.of(DEPLOYMENT),
                null);
        Provider provider = AzureProviders.create(unset, WATCHDOG, 1 << 20);
        providers.add(provider);
        assertThat(provider).isInstanceOf(UnavailableProvider.class);
        assertThat(provider.disabledReason()).isEqualTo("AZURE_OPENAI_ENDPOINT is not set");
    }
}
