package io.llmux.config;

import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §2: the original README's environment variables work without config sections. */
class EnvDefaultsTest {

    @Test
    void redisAddrAloneConfiguresRedis() throws Exception {
        RedisConfig redis = load("", Map.of("REDIS_ADDR", "redis:6379", "REDIS_PASSWORD", "pw"))
                .config()
                .redis();

        assertThat(redis.configured()).isTrue();
        assertThat(redis.addr()).isEqualTo("redis:6379");
        assertThat(redis.password()).isEqualTo("pw");
    }

    @Test
    void redisEnvironmentIsTheDefaultOfAPresentSection() throws Exception {
        RedisConfig redis = load("redis:\n  db: 2\n", Map.of("REDIS_ADDR", "redis:6379"))
                .config()
                .redis();

        assertThat(redis.addr()).isEqualTo("redis:6379");
        assertThat(redis.db()).isEqualTo(2);
    }

    @Test
    void redisSectionWinsOverTheEnvironment() throws Exception {
        RedisConfig redis = load("redis:\n  addr: other:6380\n", Map.of("REDIS_ADDR", "redis:6379"))
                .config()
                .redis();

        assertThat(redis.addr()).isEqualTo("other:6380");
    }

    @Test
    void noRedisWithoutAddress() throws Exception {
        assertThat(load("").config().redis().configured()).isFalse();
    }

    @Test
    void dbHostWithoutADatabaseSectionEnablesPostgres() throws Exception {
        DatabaseConfig db = load("", Map.of("DB_HOST", "pg")).config().database();

        assertThat(db)
                .isEqualTo(new DatabaseConfig(
                        DatabaseConfig.Type.POSTGRES, "./data/llmux", "pg", 5432, "llmux", "", "llmux", "disable", 10));
    }

    @Test
    void everyDbVariableIsRead() throws Exception {
        DatabaseConfig db = load(
                        "",
                        Map.of(
                                "DB_HOST", "pg",
                                "DB_PORT", "6432",
                                "DB_USER", "gw",
                                "DB_PASSWORD", "secret",
                                "DB_NAME", "gateway"))
                .config()
                .database();

        assertThat(db)
                .extracting(
                        DatabaseConfig::host,
                        DatabaseConfig::port,
                        DatabaseConfig::user,
                        DatabaseConfig::password,
                        DatabaseConfig::name)
                .containsExactly("pg", 6432, "gw", "secret", "gateway");
        assertThat(db.toString()).doesNotContain("secret");
    }

    @Test
    void badDbPortIsAProblem() {
        assertThat(problem("", Map.of("DB_HOST", "pg", "DB_PORT", "five")))
                .isEqualTo("database.port: \"five\" from DB_PORT is not a port (1-65535)");
    }

    @Test
    void dbVariablesWithoutDbHostMeanNoDatabase() throws Exception {
        assertThat(load("", Map.of("DB_USER", "gw")).config().database().configured())
                .isFalse();
    }

    @Test
    void aDatabaseSectionIsReadAsWrittenNotFromDbHost() throws Exception {
        DatabaseConfig db = load("database:\n  path: ./db\n", Map.of("DB_HOST", "pg"))
                .config()
                .database();

        assertThat(db.type()).isEqualTo(DatabaseConfig.Type.EMBEDDED);
    }
}
