package io.llmux.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A config that loaded, with what the user should still hear about: deprecated keys, providers disabled for a
 * missing credential, variables that were unset.
 */
public record LoadedConfig(Path source, Config config, List<String> warnings) {
    public LoadedConfig {
        warnings = List.copyOf(warnings);
    }
}
