package io.llmux;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible upstream whose stream a test drives step by step: it sends an event only when the test says
 * so, and records when the gateway hangs up. WireMock cannot hold a stream open on a latch, which timing and
 * cancellation tests need.
 */
final class ScriptedUpstream implements AutoCloseable {
    /** What the upstream does with one request; gets the exchange with headers already sent (chunked SSE). */
    @FunctionalInterface
    interface Script {
        void run(Events events) throws Exception;
    }

    private final HttpServer server;
    final CountDownLatch disconnected = new CountDownLatch(1);
    volatile String lastBody;

    ScriptedUpstream(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            lastBody = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            Events events = new Events(ex);
            try {
                script.run(events);
            } catch (IOException gone) {
                disconnected.countDown();
            } catch (Exception e) {
                throw new IOException(e);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The upstream side of one stream. */
    static final class Events {
        private final OutputStream out;

        Events(HttpExchange ex) {
            this.out = ex.getResponseBody();
        }

        void send(String data) throws IOException {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void content(String text) throws IOException {
            send("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                    + "[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}");
        }

        void done() throws IOException {
            send("[DONE]");
        }

        /** Streams a token every 20 ms until the peer hangs up or the time runs out; IOException = hung up. */
        void holdUntilGone(long maxMillis) throws IOException, InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
            while (System.nanoTime() < end) {
                content("tick");
                Thread.sleep(20);
            }
        }
    }
}
