package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SPEC §3 streaming: chunks leave as they arrive, a gone client cancels the upstream, failures end with an error event. */
class StreamingIT {
    private static final String CHAT =
            "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static String config(String base, String streamTimeout) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 5s
                providers:
                  - name: up
                    type: openai
                    api_key: sk-up
                    base_url: %s
                    stream_timeout: %s
                    models: [m]
                """.formatted(base, streamTimeout);
    }

    private static InputStream open(TestGateway gw) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                .build();
        HttpResponse<InputStream> r = gw.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Reads SSE data lines; blank lines and comments skipped. */
    private static String nextData(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                return line.substring(6);
            }
        }
        return null;
    }

    @Test
    void eachChunkReachesTheClientBeforeTheNextIsSent() throws Exception {
        CountDownLatch clientGotFirst = new CountDownLatch(1);
        CountDownLatch clientGotSecond = new CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> {
                    ev.content("one");
                    // the upstream waits until the client has seen "one": a gateway that buffered would deadlock here
                    assertThat(clientGotFirst.await(5, TimeUnit.SECONDS)).isTrue();
                    ev.content("two");
                    assertThat(clientGotSecond.await(5, TimeUnit.SECONDS)).isTrue();
                    ev.done();
                });
                TestGateway gw = TestGateway.start(config(up.baseUrl(), "5s"))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(open(gw), StandardCharsets.UTF_8));
            assertThat(nextData(in)).contains("\"one\"");
            clientGotFirst.countDown();
            assertThat(nextData(in)).contains("\"two\"");
            clientGotSecond.countDown();
            assertThat(nextData(in)).isEqualTo("[DONE]");
            assertThat(up.lastBody).contains("\"include_usage\":true");
        }
    }

    @Test
    void clientDisconnectCancelsTheUpstream() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> {
                    ev.content("one");
                    ev.holdUntilGone(10_000);
                });
                TestGateway gw = TestGateway.start(config(up.baseUrl(), "5s"))) {
            InputStream body = open(gw);
            BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            assertThat(nextData(in)).contains("\"one\"");
            body.close();
            assertThat(up.disconnected.await(5, TimeUnit.SECONDS))
                    .as("the upstream connection is closed after the client left")
                    .isTrue();
        }
    }

    @Test
    void streamStalledAfterTheFirstChunkEndsWithAnErrorEvent() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> {
                    ev.content("one");
                    Thread.sleep(3_000);
                });
                TestGateway gw = TestGateway.start(config(up.baseUrl(), "300ms"))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(open(gw), StandardCharsets.UTF_8));
            assertThat(nextData(in)).contains("\"one\"");
            long t0 = System.nanoTime();
            String last = nextData(in);
            assertThat(last).contains("\"error\"").contains("timeout_error");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(nextData(in)).as("no [DONE] after an error").isNull();
        }
    }

    @Test
    void upstreamCutBeforeDoneEndsWithAnErrorEventNotACleanClose() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> ev.content("one"));
                TestGateway gw = TestGateway.start(config(up.baseUrl(), "5s"))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(open(gw), StandardCharsets.UTF_8));
            List<String> events = new ArrayList<>();
            String d;
            while ((d = nextData(in)) != null) {
                events.add(d);
            }
            assertThat(events).hasSize(2);
            assertThat(events.get(1)).contains("\"error\"");
            assertThat(events).doesNotContain("[DONE]");
        }
    }

    @Test
    void aSlowButLivelyStreamOutlivesTheProviderTimeout() throws Exception {
        // stream_timeout is an idle timeout: chunks every 150 ms for 1.2 s pass a 400 ms stream_timeout and a 500 ms
        // timeout
        String yaml = config("%s", "400ms").replace("    stream_timeout", "    timeout: 500ms\n    stream_timeout");
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> {
                    for (int i = 0; i < 8; i++) {
                        ev.content("c" + i);
                        Thread.sleep(150);
                    }
                    ev.done();
                });
                TestGateway gw = TestGateway.start(yaml.formatted(up.baseUrl()))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(open(gw), StandardCharsets.UTF_8));
            List<String> events = new ArrayList<>();
            String d;
            while ((d = nextData(in)) != null) {
                events.add(d);
            }
            assertThat(events).hasSize(9).last().isEqualTo("[DONE]");
        }
    }
}
