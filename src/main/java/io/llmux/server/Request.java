package io.llmux.server;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetSocketAddress;
import java.util.Locale;

/** One HTTP request as the handlers see it: the JDK exchange plus what the dispatcher decided for it. */
public final class Request {
    private final HttpExchange exchange;
    private final String requestId;
    private final long startNanos;
    private final String path;
    private boolean responseStarted;

    Request(HttpExchange exchange, String requestId, long startNanos) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.path = exchange.getRequestURI().getRawPath();
    }

    public HttpExchange exchange() {
        return exchange;
    }

    public String requestId() {
        return requestId;
    }

    public long startNanos() {
        return startNanos;
    }

    public String method() {
        return exchange.getRequestMethod();
    }

    public String path() {
        return path;
    }

    /** A request header by name, case-insensitively; null when absent. */
    public String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    /** The client's IP address, as the connection shows it (a proxy in front shows as the proxy). */
    public String clientAddress() {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return remote == null || remote.getAddress() == null
                ? "unknown"
                : remote.getAddress().getHostAddress();
    }

    boolean responseStarted() {
        return responseStarted;
    }

    void markResponseStarted() {
        responseStarted = true;
    }

    String methodUpper() {
        return method().toUpperCase(Locale.ROOT);
    }
}
