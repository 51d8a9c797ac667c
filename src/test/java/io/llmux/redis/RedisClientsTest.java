package io.llmux.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.config.RedisConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code redis.addr} takes host:port, as the original README has it, or a URL. */
class RedisClientsTest {

    private static RedisConfig redis(String addr, String password, int db) {
        return new RedisConfig(addr, password, db, Duration.ofMillis(200), RedisConfig.OnError.FAIL_OPEN);
    }

    @Test
    void addrIsHostAndPortAsInTheOriginalReadme() {
        assertThat(RedisClients.target(redis("redis.internal:6380", "pw", 2)))
                .isEqualTo(new RedisClients.Target("redis.internal", 6380, "", "pw", 2, false));
        assertThat(RedisClients.target(redis("localhost", "", 0)))
                .isEqualTo(new RedisClients.Target("localhost", 6379, "", "", 0, false));
        assertThat(RedisClients.target(redis("[::1]:7000", "", 0)))
                .isEqualTo(new RedisClients.Target("::1", 7000, "", "", 0, false));
    }

    @Test
    void aRedisUrlCarriesItsOwnPasswordAndDatabase() {
        assertThat(RedisClients.target(redis("redis://:secret@cache:6390/3", "ignored", 0)))
                .isEqualTo(new RedisClients.Target("cache", 6390, "", "secret", 3, false));
        assertThat(RedisClients.target(redis("rediss://app:secret@cache", "", 1)))
                .isEqualTo(new RedisClients.Target("cache", 6379, "app", "secret", 1, true));
        assertThat(RedisClients.target(redis("redis://cache:6379", "from-section", 4)))
                .isEqualTo(new RedisClients.Target("cache", 6379, "", "from-section", 4, false));
    }

    @Test
    void aBadAddrIsNamedWithoutItsPassword() {
        assertThatThrownBy(() -> RedisClients.target(redis("redis://:secret@cache:6390/x", "", 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis.addr: \"cache:6390/x\" is not host:port or a redis:// URL");
        assertThatThrownBy(() -> RedisClients.target(redis("cache:port", "", 0)))
                .hasMessageContaining("\"cache:port\"");
    }
}
