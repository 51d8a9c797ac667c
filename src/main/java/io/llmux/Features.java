package io.llmux;

import io.llmux.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * Which configured features this version does not provide yet. The start-up log names them, so a config written for
 * a later version is accepted without anything pretending to work.
 */
final class Features {
    private Features() {}

    static List<String> notAvailable(Config c) {
        List<String> missing = new ArrayList<>();
        if (c.metrics().enabled()) {
            missing.add("metrics");
        }
        return missing;
    }
}
