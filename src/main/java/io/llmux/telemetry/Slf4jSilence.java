package io.llmux.telemetry;

/**
 * Keeps SLF4J quiet. Jedis and HikariCP log through SLF4J, and LLMux ships no SLF4J backend: its own log is
 * {@link Log}. Without a provider named, SLF4J prints a three-line warning to stderr the first time a library logs;
 * naming its no-op provider (and hiding SLF4J's note that it did) keeps stderr clean. An operator's own choice
 * ({@code -Dslf4j.provider=...}) stands.
 */
public final class Slf4jSilence {
    private Slf4jSilence() {}

    /** Call before the first class that logs through SLF4J is loaded: SLF4J picks its provider once. */
    public static void install() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
    }
}
