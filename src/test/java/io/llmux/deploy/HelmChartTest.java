package io.llmux.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.llmux.config.ConfigLoader;
import io.llmux.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/helm/llmux lints and renders (SPEC §11), through Helm's own Go code loaded as a library, so no helm binary
 * is needed; what it renders is then read as YAML and held to what the gateway expects.
 */
class HelmChartTest {
    private static final Path CHART = Path.of("deploy/helm/llmux");

    private static List<YamlTree> render(UnaryOperator<TemplateCommand> values) {
        String out = values.apply(new Helm(CHART).template().withName("gw").withNamespace("ai"))
                .call();
        return YamlTree.documents(out);
    }

    private static Optional<YamlTree> find(List<YamlTree> objects, String kind) {
        return objects.stream().filter(o -> o.kind().equals(kind)).findFirst();
    }

    private static YamlTree container(List<YamlTree> objects) {
        return find(objects, "Deployment").orElseThrow().at("spec.template.spec.containers.0");
    }

    private static String gatewayConfig(List<YamlTree> objects) {
        return String.valueOf(
                find(objects, "ConfigMap").orElseThrow().map("data").get("config.yaml"));
    }

    @Test
    void theChartIsAV2ChartAndLintsStrictlyClean() throws IOException {
        YamlTree chart = YamlTree.document(CHART.resolve("Chart.yaml"));
        assertThat(chart.string("apiVersion")).isEqualTo("v2");
        assertThat(chart.string("name")).isEqualTo("llmux");
        assertThat(chart.string("version")).matches("\\d+\\.\\d+\\.\\d+.*");

        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void theDefaultsRenderAGatewayThatStartsOnTheMockProvider() throws Exception {
        List<YamlTree> objects = render(t -> t);
        assertThat(objects)
                .extracting(YamlTree::kind)
                .containsExactlyInAnyOrder("ConfigMap", "Service", "Deployment", "PodDisruptionBudget");

        ConfigLoader.requireUsableProvider(new ConfigLoader()
                .parse(gatewayConfig(objects), "chart", Env.empty())
                .config());
        YamlTree deployment = find(objects, "Deployment").orElseThrow();
        assertThat(deployment.get("spec.replicas")).isEqualTo(2);
        assertThat(deployment.map("spec.template.metadata.annotations")).containsKey("checksum/config");
        YamlTree c = container(objects);
        assertThat(c.find("envFrom")).isNull();
        assertThat(c.asMap()).doesNotContainKey("env");
        assertThat(c.string("livenessProbe.httpGet.path")).isEqualTo("/health/live");
        assertThat(c.string("readinessProbe.httpGet.path")).isEqualTo("/health/ready");
        assertThat(c.string("image"))
                .isEqualTo("llmux:"
                        + YamlTree.document(CHART.resolve("Chart.yaml")).string("appVersion"));
    }

    @Test
    void secretsRedisPostgresAndAutoscalingBecomeEnvironmentAndObjects() {
        List<YamlTree> objects = render(t -> t.set("secrets.values.OPENAI_API_KEY", "sk-test")
                .set("secrets.values.DB_PASSWORD", "pw")
                .set("redis.addr", "redis.ai:6379")
                .set("postgresql.host", "pg.ai")
                .set("autoscaling.enabled", "true"));

        YamlTree secret = find(objects, "Secret").orElseThrow();
        assertThat(secret.map("stringData"))
                .containsEntry("OPENAI_API_KEY", "sk-test")
                .containsEntry("DB_PASSWORD", "pw");
        YamlTree c = container(objects);
        assertThat(c.string("envFrom.0.secretRef.name")).isEqualTo(secret.string("metadata.name"));
        assertThat(c.element("env", "name", "REDIS_ADDR").string("value")).isEqualTo("redis.ai:6379");
        assertThat(c.element("env", "name", "DB_HOST").string("value")).isEqualTo("pg.ai");
        assertThat(c.element("env", "name", "DB_PORT").string("value")).isEqualTo("5432");

        YamlTree deployment = find(objects, "Deployment").orElseThrow();
        // the HPA owns the replica count; a rendered one would fight it on every upgrade
        assertThat(deployment.find("spec.replicas")).isNull();
        YamlTree hpa = find(objects, "HorizontalPodAutoscaler").orElseThrow();
        assertThat(hpa.string("apiVersion")).isEqualTo("autoscaling/v2");
        assertThat(hpa.string("spec.scaleTargetRef.name")).isEqualTo(deployment.string("metadata.name"));
    }

    @Test
    void anExistingSecretIsReadAndNoneIsRendered() {
        List<YamlTree> objects =
                render(t -> t.set("secrets.existingSecret", "my-keys").set("secrets.values.OPENAI_API_KEY", "ignored"));
        assertThat(find(objects, "Secret")).isEmpty();
        assertThat(container(objects).string("envFrom.0.secretRef.name")).isEqualTo("my-keys");
    }

    @Test
    void aConfigChangeRollsThePods() {
        String before = checksum(render(t -> t));
        String after = checksum(render(t -> t.set("config.routing.strategy", "least-busy")));
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void everyValueATemplateReadsIsDeclaredInValuesYaml() throws IOException {
        // helm renders a misspelt .Values path as empty instead of failing, so the names are checked here
        Map<String, Object> values =
                YamlTree.document(CHART.resolve("values.yaml")).asMap();
        Pattern reference = Pattern.compile("\\.Values\\.([A-Za-z0-9_.]+)");
        Set<String> missing = new TreeSet<>();
        try (Stream<Path> templates = Files.list(CHART.resolve("templates"))) {
            for (Path t : templates.toList()) {
                Matcher m = reference.matcher(Files.readString(t));
                while (m.find()) {
                    if (!declared(values, m.group(1))) {
                        missing.add(t.getFileName() + ": .Values." + m.group(1));
                    }
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    private static boolean declared(Map<String, Object> values, String path) {
        Object node = values;
        for (String step : YamlTree.steps(path)) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(step)) {
                return false;
            }
            node = map.get(step);
        }
        return true;
    }

    private static String checksum(List<YamlTree> objects) {
        return find(objects, "Deployment").orElseThrow().string("spec.template.metadata.annotations.checksum/config");
    }
}
