package io.llmux;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build was made as (from the Maven project version). */
public final class Version {
    private Version() {}

    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/llmux-version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
