package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static AccessLog.Entry entry(String requestId, int status) {
        return AccessLog.Entry.of(0, requestId, "POST", "/v1/chat/completions", null, status, 1_000_000, null, null);
    }

    @Test
    void requestLinesFollowTheLevelOfTheirStatusAndTheConfiguredLevelFiltersThem() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LogSink sink = new LogSink(out, () -> false)) {
            Log log = new Log(sink, LoggingConfig.Level.WARN, () -> 0);
            AccessLog access = new AccessLog(log);
            access.record(entry("ok", 200));
            access.record(entry("refused", 401));
            access.record(entry("broken", 502));
            log.level(LoggingConfig.Level.INFO);
            access.record(entry("ok-again", 200));
            sink.flush();
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains(" WARN request ").contains("request_id=refused");
        assertThat(lines.get(1)).contains(" ERROR request ").contains("request_id=broken");
        assertThat(lines.get(2)).contains(" INFO request ").contains("request_id=ok-again");
    }

    @Test
    void everyStringFieldPassesTheRedactor() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LogSink sink = new LogSink(out, () -> true, new Redactor(List.of("configured-secret-1")))) {
            Log log = new Log(sink, LoggingConfig.Level.INFO, () -> 0);
            new AccessLog(log).record(entry("configured-secret-1", 200));
            log.warn("saw Bearer abc.def", "detail", "configured-secret-1");
            sink.flush();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .doesNotContain("configured-secret-1", "abc.def")
                .contains("\"request_id\":\"[REDACTED]\"")
                .contains("Bearer [REDACTED]");
    }
}
