package io.llmux.config;

/** {@code auth:} — the admin bearer key; empty means none (an open gateway unless a database issues keys). */
public record AuthConfig(String masterKey) {

    public AuthConfig {
        masterKey = masterKey == null ? "" : masterKey;
    }

    public boolean hasMasterKey() {
        return !masterKey.isEmpty();
    }

    @Override
    public String toString() {
        return "AuthConfig[masterKey=" + (hasMasterKey() ? "****" : "") + "]";
    }
}
