package io.llmux.telemetry;

import io.llmux.config.LoggingConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.LongSupplier;

/**
 * The gateway's own messages (start-up, reloads, warnings, bugs), written through the same {@link LogSink} as the
 * request log. Key-value pairs follow the message: {@code log.warn("provider disabled", "provider", name)}.
 */
public final class Log {
    private final LogSink sink;
    private final LongSupplier millisClock;
    private volatile LoggingConfig.Level level;

    public Log(LogSink sink, LoggingConfig.Level level, LongSupplier millisClock) {
        this.sink = sink;
        this.level = level;
        this.millisClock = millisClock;
    }

    public void level(LoggingConfig.Level value) {
        this.level = value;
    }

    public boolean debugEnabled() {
        return level == LoggingConfig.Level.DEBUG;
    }

    /** Whether a message at {@code at} is written under the current {@code logging.level}. */
    public boolean enabled(LoggingConfig.Level at) {
        return at.compareTo(level) >= 0;
    }

    public void debug(String msg, Object... kv) {
        write(LoggingConfig.Level.DEBUG, msg, null, kv);
    }

    public void info(String msg, Object... kv) {
        write(LoggingConfig.Level.INFO, msg, null, kv);
    }

    public void warn(String msg, Object... kv) {
        write(LoggingConfig.Level.WARN, msg, null, kv);
    }

    public void error(String msg, Throwable cause, Object... kv) {
        write(LoggingConfig.Level.ERROR, msg, cause, kv);
    }

    public LogSink sink() {
        return sink;
    }

    private void write(LoggingConfig.Level at, String msg, Throwable cause, Object[] kv) {
        if (!enabled(at)) {
            return;
        }
        long ts = millisClock.getAsLong();
        String levelName = at.name().toLowerCase(java.util.Locale.ROOT);
        String trace = cause == null ? null : stackTrace(cause);
        sink.offer(f -> {
            f.begin(ts, levelName, msg);
            for (int i = 0; i + 1 < kv.length; i += 2) {
                Object v = kv[i + 1];
                if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
                    f.field(String.valueOf(kv[i]), n.longValue());
                } else if (v instanceof Boolean b) {
                    f.field(String.valueOf(kv[i]), b);
                } else {
                    f.field(String.valueOf(kv[i]), v == null ? null : String.valueOf(v));
                }
            }
            f.field("error", trace);
        });
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
