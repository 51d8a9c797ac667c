package io.llmux.server;

import java.util.List;

/** Re-reads the config file and swaps it in when it is valid (SIGHUP does the same). */
@FunctionalInterface
public interface Reloader {

    /**
     * @return warnings of the new config
     * @throws io.llmux.config.ConfigException when the file is not valid; the running config stays
     */
    List<String> reload() throws io.llmux.config.ConfigException;
}
