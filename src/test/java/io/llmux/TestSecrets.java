package io.llmux;

import java.util.List;

/**
 * Secrets with recognisable values for tests that configure keys, so a leak is easy to spot and {@link
 * TelemetryLeakScan} knows them even when no gateway registered them. Each is long enough to be matched (8+
 * characters) and shaped like the real thing.
 */
public final class TestSecrets {
    public static final String MASTER_KEY = "mk-llmux-test-master-7f3a9c2e51";
    public static final String OPENAI_KEY = "sk-llmux-test-openai-4b8e1d6f93a2c07e";
    public static final String ANTHROPIC_KEY = "sk-ant-llmux-test-anthropic-2c9f7a14e6";
    /** Shaped like a Google API key ({@code AIza…}). */
    public static final String GEMINI_KEY = "AIzaLLMUXtestGEMINIkey0123456789abcde";

    public static final String AZURE_KEY = "llmux-test-azure-key-8d2f0b7c4e19";
    public static final String DB_PASSWORD = "llmux-test-db-password-5e1c";
    public static final String REDIS_PASSWORD = "llmux-test-redis-password-93ad";
    /** A key no gateway issued, presented by a client. */
    public static final String UNKNOWN_KEY = "sk-llmux-test-unknown-e07b55c1d2f94a68";

    private TestSecrets() {}

    public static List<String> all() {
        return List.of(
                MASTER_KEY, OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY, AZURE_KEY, DB_PASSWORD, REDIS_PASSWORD, UNKNOWN_KEY);
    }
}
