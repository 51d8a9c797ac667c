package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmux.auth.KeyHash;
import io.llmux.telemetry.Redactor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SPEC §10: "API keys and provider secrets never appear in logs, errors or traces", checked over everything a whole
 * test run produced. Runs after every unit test and integration test of the build (its own failsafe execution in
 * {@code post-integration-test}), reading the capture folder ({@link TelemetryCapture}, {@code
 * target/telemetry-capture/}, emptied at the start of each build).
 *
 * <p>The folder's format: flat, plain UTF-8 text files named {@code <source>-<unique>.txt}, one file per producer
 * (one in-test gateway, one scrape, one exporter), written with {@link TelemetryCapture#open} or {@link
 * TelemetryCapture#write}.
 *
 * <ul>
 *   <li>{@code secrets-*}: one secret per line that a test used (a config's master key, provider keys and passwords,
 *       keys the gateway issued). Read, never scanned.
 *   <li>every other source is scanned line by line: {@code logs-*} (a gateway's log lines as written), {@code
 *       responses-*} (error answers, one per line), and whatever the metrics ({@code metrics-*}: scrapes) and tracing
 *       ({@code spans-*}: exported spans, one per line) tests add.
 * </ul>
 *
 * <p>A line fails the scan when it holds a known secret or its SHA-256 (a key's stored form; not in error answers,
 * which may name the hash a client sent), or anything shaped like a generated virtual key ({@code sk-} and 20+ key
 * characters). Known secrets are the registered ones, {@link
 * TestSecrets}, and every {@code "sk-…"} string literal in the test sources. Values shorter than {@value
 * Redactor#MIN_SECRET_LENGTH} characters are not matched, as by the gateway's own redactor.
 */
class TelemetryLeakScan {
    private static final Pattern GENERATED_KEY = Pattern.compile("(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}");
    private static final Pattern SK_LITERAL = Pattern.compile("\"(sk-[A-Za-z0-9_-]{5,})\"");
    private static final Path TEST_SOURCES = Path.of("src", "test", "java");
    private static final String HASH_OF = "the SHA-256 of the secret ";

    @Test
    void noCapturedLogLineMetricOrSpanCarriesASecretTheTestsUsed() throws IOException {
        Path dir = TelemetryCapture.dir().orElse(null);
        assumeTrue(dir != null, "no capture folder (" + TelemetryCapture.PROPERTY + " is not set)");
        List<Path> files;
        try (Stream<Path> all = Files.list(dir)) {
            files = all.filter(Files::isRegularFile).sorted().toList();
        }
        Map<String, String> needles = needles(files);
        List<String> findings = new ArrayList<>();
        long lines = 0;
        int scanned = 0;
        for (Path file : files) {
            if (file.getFileName().toString().startsWith("secrets-")) {
                continue;
            }
            scanned++;
            // a client may name a key by its hash, and an error answer may say which one it did not find
            Map<String, String> wanted =
                    file.getFileName().toString().startsWith("responses-") ? secretsOnly(needles) : needles;
            List<String> content = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < content.size(); i++) {
                lines++;
                String line = content.get(i);
                String leaked = leakIn(line, wanted);
                if (leaked != null && findings.size() < 50) {
                    String what = wanted.getOrDefault(leaked, "something shaped like a virtual key");
                    findings.add(file.getFileName() + ":" + (i + 1) + ": " + what + "\n    "
                            + clip(line.replace(leaked, "<LEAK>")));
                }
            }
        }
        assumeTrue(scanned > 0, "nothing was captured");
        assertThat(findings)
                .as(
                        "secrets in %d captured lines of %d files, looking for %d secrets and their hashes",
                        lines, scanned, needles.size() / 2)
                .isEmpty();
    }

    /** What to look for: each secret and its hash, to a description that does not repeat it. */
    private static Map<String, String> needles(List<Path> files) throws IOException {
        Set<String> secrets = new LinkedHashSet<>(TestSecrets.all());
        for (Path file : files) {
            if (file.getFileName().toString().startsWith("secrets-")) {
                secrets.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
            }
        }
        secrets.addAll(sourceLiterals());
        Map<String, String> needles = new LinkedHashMap<>();
        for (String s : secrets) {
            String secret = s.strip();
            if (secret.length() >= Redactor.MIN_SECRET_LENGTH) {
                needles.put(secret, "the secret " + masked(secret));
                needles.put(KeyHash.of(secret), HASH_OF + masked(secret));
            }
        }
        return needles;
    }

    private static Map<String, String> secretsOnly(Map<String, String> needles) {
        Map<String, String> out = new LinkedHashMap<>(needles);
        out.values().removeIf(what -> what.startsWith(HASH_OF));
        return out;
    }

    /** Every {@code "sk-…"} literal of the test sources: the keys tests present, configure or expect to be hidden. */
    private static Set<String> sourceLiterals() throws IOException {
        Set<String> found = new LinkedHashSet<>();
        if (!Files.isDirectory(TEST_SOURCES)) {
            return found;
        }
        try (Stream<Path> sources = Files.walk(TEST_SOURCES)) {
            for (Path source :
                    sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = SK_LITERAL.matcher(read(source));
                while (m.find()) {
                    found.add(m.group(1));
                }
            }
        }
        return found;
    }

    /** The secret (or key-shaped value) {@code line} holds, else null. */
    private static String leakIn(String line, Map<String, String> needles) {
        for (String needle : needles.keySet()) {
            if (line.contains(needle)) {
                return needle;
            }
        }
        Matcher generated = GENERATED_KEY.matcher(line);
        return generated.find() ? generated.group() : null;
    }

    /** Enough of a secret to find it in the test sources, not enough to use it. */
    private static String masked(String secret) {
        return secret.substring(0, Math.min(6, secret.length() / 2)) + "…(" + secret.length() + " chars)";
    }

    private static String clip(String line) {
        return line.length() <= 300 ? line : line.substring(0, 300) + "…";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
