package io.llmux.admin;

import io.llmux.auth.KeyHash;
import io.llmux.store.KeyRow;
import java.util.function.BiFunction;

/** Makes a new key and stores its row; the key itself exists only in the answer to this one call. */
public final class KeyIssuer {
    /** The key, shown once, and the row stored for it. */
    public record Issued(String key, KeyRow row) {}

    private KeyIssuer() {}

    /**
     * @param rowFor builds the row from the new key's hash ({@code token}) and masked form ({@code key_name})
     */
    public static Issued issue(Management m, BiFunction<String, String, KeyRow> rowFor) {
        return issue(m, m.keyGenerator().next(), rowFor);
    }

    /** Stores a key the caller chose (LiteLLM's {@code key} on {@code /key/generate}), e.g. one being migrated. */
    public static Issued issue(Management m, String key, BiFunction<String, String, KeyRow> rowFor) {
        KeyRow stored = m.stores().keys().insert(rowFor.apply(KeyHash.of(key), KeyHash.masked(key)));
        return new Issued(key, stored);
    }
}
