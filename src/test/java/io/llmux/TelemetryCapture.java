package io.llmux;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Optional;

/**
 * Where tests put the telemetry they produce, for {@link TelemetryLeakScan}: the folder named by the system property
 * {@code llmux.telemetry.capture} (set by the build; absent in an IDE run, and then nothing is captured). See the
 * scanner for the folder's format.
 */
public final class TelemetryCapture {
    public static final String PROPERTY = "llmux.telemetry.capture";

    private TelemetryCapture() {}

    /** The capture folder, created if needed; empty when this run captures nothing. */
    public static Optional<Path> dir() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.createDirectories(Path.of(dir)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new file for one producer of {@code source} ({@code logs}, {@code responses}, {@code metrics}, {@code
     * spans}): {@code source-<unique>.txt}. Empty when this run captures nothing.
     */
    public static Optional<OutputStream> open(String source) {
        return dir().map(d -> {
            try {
                Path file = Files.createTempFile(d, source + "-", ".txt");
                return Files.newOutputStream(file, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Appends {@code text} (one or more whole lines) as a new file of {@code source}. */
    public static void write(String source, String text) {
        open(source).ifPresent(out -> {
            try (out) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Tells the scanner about secrets a test used (a config's keys, a key the gateway issued): one per line. */
    public static void secrets(Collection<String> secrets) {
        StringBuilder lines = new StringBuilder();
        for (String s : secrets) {
            if (s != null && !s.isBlank() && s.indexOf('\n') < 0) {
                lines.append(s).append('\n');
            }
        }
        if (!lines.isEmpty()) {
            write("secrets", lines.toString());
        }
    }
}
