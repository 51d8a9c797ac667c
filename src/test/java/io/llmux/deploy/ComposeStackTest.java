package io.llmux.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmux.config.Config;
import io.llmux.config.ConfigLoader;
import io.llmux.config.DatabaseConfig;
import io.llmux.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose: two replicas on one PostgreSQL and one Redis, scraped by Prometheus, shown by Grafana. Read as
 * YAML, with compose's own {@code ${VAR:-default}} taken at its default, as {@code docker compose up} with no .env
 * would.
 */
class ComposeStackTest {
    private static final Path DIR = Path.of("deploy/compose");
    private static final Pattern COMPOSE_VAR = Pattern.compile("\\$\\{([A-Z0-9_]+):-([^}]*)}");
    private static YamlTree compose;

    @BeforeAll
    static void read() throws Exception {
        compose = YamlTree.document(DIR.resolve("docker-compose.yml"));
    }

    private static Map<String, String> environment(String service) {
        Map<String, String> env = new HashMap<>();
        compose.map("services." + service + ".environment").forEach((k, v) -> {
            Matcher m = COMPOSE_VAR.matcher(String.valueOf(v));
            env.put(k, m.replaceAll(r -> Matcher.quoteReplacement(r.group(2))));
        });
        return env;
    }

    @Test
    void twoReplicasBuiltFromTheDockerfileShareOneDatabaseAndOneRedis() throws Exception {
        Map<String, String> first = environment("llmux-1");
        assertThat(environment("llmux-2")).isEqualTo(first);
        for (String replica : List.of("llmux-1", "llmux-2")) {
            Path context = DIR.resolve(compose.string("services." + replica + ".build.context"));
            assertThat(context.resolve(compose.string("services." + replica + ".build.dockerfile")))
                    .isRegularFile();
            assertThat(compose.list("services." + replica + ".volumes"))
                    .extracting(YamlTree::root)
                    .contains("./config.yaml:/config/config.yaml:ro");
        }
        assertThat(compose.find("services.postgres")).isNotNull();
        assertThat(compose.find("services.redis")).isNotNull();
        assertThat(first).containsEntry("DB_HOST", "postgres").containsEntry("REDIS_ADDR", "redis:6379");
        assertThat(first.get("DB_PASSWORD"))
                .isEqualTo(compose.string("services.postgres.environment.POSTGRES_PASSWORD"));

        Config config = new ConfigLoader()
                .load(DIR.resolve("config.yaml"), Env.of(first))
                .config();
        ConfigLoader.requireUsableProvider(config);
        assertThat(config.database().type()).isEqualTo(DatabaseConfig.Type.POSTGRES);
        assertThat(config.database().host()).isEqualTo("postgres");
        assertThat(config.redis().addr()).isEqualTo("redis:6379");
        assertThat(config.auth().masterKey()).isNotBlank();
        // compose's SIGKILL comes after stop_grace_period: the drain must fit in it
        assertThat(compose.string("services.llmux-1.stop_grace_period")).isEqualTo("40s");
        assertThat(config.server().shutdownTimeout().toSeconds()).isLessThan(40);
    }

    @Test
    void prometheusScrapesBothReplicasOnTheConfiguredPath() throws Exception {
        YamlTree prometheus = YamlTree.document(DIR.resolve("prometheus.yml"));
        YamlTree job = prometheus.element("scrape_configs", "job_name", "llmux");
        Config config = new ConfigLoader()
                .load(DIR.resolve("config.yaml"), Env.of(environment("llmux-1")))
                .config();
        assertThat(job.string("metrics_path")).isEqualTo(config.metrics().path());
        assertThat(job.list("static_configs.0.targets"))
                .extracting(YamlTree::root)
                .containsExactlyInAnyOrder("llmux-1:8080", "llmux-2:8080");
    }

    @Test
    void grafanaIsProvisionedWithPrometheusAndTheDashboardFolder() throws Exception {
        YamlTree datasource = YamlTree.document(DIR.resolve("grafana/provisioning/datasources/prometheus.yaml"));
        assertThat(datasource.string("datasources.0.type")).isEqualTo("prometheus");
        assertThat(datasource.string("datasources.0.url")).isEqualTo("http://prometheus:9090");

        String dashboards = YamlTree.document(DIR.resolve("grafana/provisioning/dashboards/llmux.yaml"))
                .string("providers.0.options.path");
        String mount = compose.list("services.grafana.volumes").stream()
                .map(v -> String.valueOf(v.root()))
                .filter(v -> v.contains(":" + dashboards))
                .findFirst()
                .orElseThrow();
        Path source = DIR.resolve(mount.substring(0, mount.indexOf(':'))).normalize();
        assertThat(source).isEqualTo(Path.of("deploy/grafana"));
        // the dashboard itself is written alongside the metrics; once it is there, it is what the folder serves
        assumeTrue(Files.isDirectory(source), "deploy/grafana/ not there yet");
        assertThat(source.resolve("llmux.json")).isRegularFile();
    }
}
