package io.llmux.config;

import java.time.Duration;

/** {@code redis:} — shared state for several replicas; configured when {@code addr} is not empty. */
public record RedisConfig(String addr, String password, int db, Duration timeout, OnError onError) {

    public enum OnError {
        FAIL_OPEN,
        FAIL_CLOSED
    }

    public RedisConfig {
        addr = addr == null ? "" : addr;
        password = password == null ? "" : password;
    }

    public static RedisConfig none() {
        return new RedisConfig("", "", 0, Duration.ofMillis(200), OnError.FAIL_OPEN);
    }

    public boolean configured() {
        return !addr.isBlank();
    }

    @Override
    public String toString() {
        return "RedisConfig[addr=" + addr + ", password=" + (password.isEmpty() ? "" : "****") + ", db=" + db
                + ", timeout=" + timeout + ", onError=" + onError + "]";
    }
}
