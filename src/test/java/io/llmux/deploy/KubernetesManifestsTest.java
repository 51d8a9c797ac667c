package io.llmux.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.Config;
import io.llmux.config.ConfigLoader;
import io.llmux.config.DatabaseConfig;
import io.llmux.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s/ (SPEC §11) applies in one pass on an empty cluster: the namespace sorts first, nothing needs a Secret
 * that does not exist yet, and the pods' config starts on the mock provider. No cluster needed: the manifests are
 * read as YAML and held to what the gateway and its image expect.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("deploy/k8s");
    private static List<Path> files;
    private static List<YamlTree> objects;

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> list = Files.list(DIR)) {
            // kubectl apply -f DIR reads the files in this order
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        objects = new ArrayList<>();
        for (Path f : files) {
            objects.addAll(YamlTree.documents(f));
        }
    }

    private static YamlTree one(String kind) {
        List<YamlTree> found =
                objects.stream().filter(o -> o.kind().equals(kind)).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    /** The ConfigMap's config.yaml (a key with a dot, so not by path). */
    private static String gatewayConfig() {
        return String.valueOf(one("ConfigMap").map("data").get("config.yaml"));
    }

    private static YamlTree container() {
        return one("Deployment").element("spec.template.spec.containers", "name", "llmux");
    }

    @Test
    void theNamespaceComesFirstAndHoldsEverythingElse() throws IOException {
        assertThat(YamlTree.document(files.get(0)).kind()).isEqualTo("Namespace");
        String namespace = one("Namespace").string("metadata.name");
        assertThat(objects.stream().filter(o -> !o.kind().equals("Namespace")))
                .allSatisfy(o -> assertThat(o.string("metadata.namespace")).isEqualTo(namespace));
        assertThat(objects)
                .extracting(o -> o.string("apiVersion") + " " + o.kind())
                .containsExactlyInAnyOrder(
                        "v1 Namespace",
                        "v1 ConfigMap",
                        "apps/v1 Deployment",
                        "v1 Service",
                        "autoscaling/v2 HorizontalPodAutoscaler",
                        "policy/v1 PodDisruptionBudget");
    }

    @Test
    void theConfigMapsConfigStartsWithNoSecretAndWithRedisAndPostgres() throws Exception {
        String yaml = gatewayConfig();
        Config bare = new ConfigLoader().parse(yaml, "configmap", Env.empty()).config();
        ConfigLoader.requireUsableProvider(bare);
        assertThat(bare.server().port()).isEqualTo(8080);

        // the example Secret's variables switch on shared state, with no edit of the config
        Map<String, Object> secret =
                YamlTree.document(Path.of("deploy/examples/llmux-secrets.yaml")).map("stringData");
        Map<String, String> env = new HashMap<>();
        secret.forEach((k, v) -> env.put(k, String.valueOf(v)));
        Config shared = new ConfigLoader().parse(yaml, "configmap", Env.of(env)).config();
        assertThat(shared.redis().configured()).isTrue();
        assertThat(shared.database().type()).isEqualTo(DatabaseConfig.Type.POSTGRES);
        assertThat(shared.database().host()).isEqualTo(env.get("DB_HOST"));
        assertThat(bare.redis().configured()).isFalse();
        assertThat(bare.database().configured()).isFalse();
    }

    @Test
    void theSecretIsOptionalAndItsExampleLivesOutsideTheAppliedFolder() throws IOException {
        assertThat(objects).noneMatch(o -> o.kind().equals("Secret"));
        YamlTree example = YamlTree.document(Path.of("deploy/examples/llmux-secrets.yaml"));
        assertThat(example.kind()).isEqualTo("Secret");

        YamlTree ref = container().at("envFrom.0.secretRef");
        assertThat(ref.string("name")).isEqualTo(example.string("metadata.name"));
        assertThat(ref.get("optional")).isEqualTo(true);
        // every variable the example sets is one the gateway documents
        String documented = Files.readString(Path.of(".env.example"));
        assertThat(example.map("stringData").keySet())
                .allSatisfy(k -> assertThat(documented).contains("\n" + k + "="));
    }

    @Test
    void probesResourcesAndTwoReplicas() {
        YamlTree deployment = one("Deployment");
        assertThat(deployment.get("spec.replicas")).isEqualTo(2);
        YamlTree c = container();
        assertThat(c.string("livenessProbe.httpGet.path")).isEqualTo("/health/live");
        assertThat(c.string("readinessProbe.httpGet.path")).isEqualTo("/health/ready");
        assertThat(c.map("resources.requests")).containsKeys("cpu", "memory");
        assertThat(c.map("resources.limits")).containsKeys("cpu", "memory");
        assertThat(c.find("ports.0.containerPort")).isEqualTo(8080);
    }

    @Test
    void streamsDrainBeforeTheKubeletKills() throws Exception {
        YamlTree deployment = one("Deployment");
        int grace = (Integer) deployment.get("spec.template.spec.terminationGracePeriodSeconds");
        List<YamlTree> preStop = container().list("lifecycle.preStop.exec.command");
        int sleep = Integer.parseInt(String.valueOf(preStop.get(1).root()));
        assertThat(preStop.get(0).root()).isEqualTo("sleep");
        String yaml = gatewayConfig();
        long shutdown = new ConfigLoader()
                .parse(yaml, "configmap", Env.empty())
                .config()
                .server()
                .shutdownTimeout()
                .toSeconds();
        assertThat(grace).isGreaterThan((int) (sleep + shutdown));
    }

    @Test
    void thePodRunsAsTheImagesUserOnAReadOnlyRootWithWritableTmpAndData() throws Exception {
        YamlTree pod = one("Deployment").at("spec.template.spec");
        assertThat(pod.get("securityContext.runAsNonRoot")).isEqualTo(true);
        String imageUser = Dockerfile.read(Path.of("Dockerfile")).finalStage().stream()
                .filter(i -> i.keyword().equals("USER"))
                .findFirst()
                .orElseThrow()
                .userId();
        assertThat(pod.string("securityContext.runAsUser")).isEqualTo(imageUser);

        YamlTree c = container();
        assertThat(c.get("securityContext.readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(c.get("securityContext.allowPrivilegeEscalation")).isEqualTo(false);
        for (String path : List.of("/tmp", "/app/data")) {
            String volume = c.element("volumeMounts", "mountPath", path).string("name");
            assertThat(pod.element("volumes", "name", volume).find("emptyDir"))
                    .as(path)
                    .isNotNull();
        }
        String configVolume = c.element("volumeMounts", "mountPath", "/config").string("name");
        assertThat(pod.element("volumes", "name", configVolume).string("configMap.name"))
                .isEqualTo(one("ConfigMap").string("metadata.name"));
        assertThat(one("ConfigMap").map("data")).containsKey("config.yaml");
    }

    @Test
    void serviceHpaAndPdbSelectTheDeploymentsPods() {
        YamlTree deployment = one("Deployment");
        Map<String, Object> podLabels = deployment.map("spec.template.metadata.labels");
        assertThat(podLabels).containsAllEntriesOf(deployment.map("spec.selector.matchLabels"));
        assertThat(podLabels).containsAllEntriesOf(one("Service").map("spec.selector"));
        assertThat(podLabels).containsAllEntriesOf(one("PodDisruptionBudget").map("spec.selector.matchLabels"));
        assertThat(one("PodDisruptionBudget").get("spec.minAvailable")).isEqualTo(1);

        String portName = one("Service").string("spec.ports.0.targetPort");
        assertThat(container().element("ports", "name", portName)).isNotNull();

        YamlTree hpa = one("HorizontalPodAutoscaler");
        assertThat(hpa.string("spec.scaleTargetRef.kind")).isEqualTo("Deployment");
        assertThat(hpa.string("spec.scaleTargetRef.name")).isEqualTo(deployment.string("metadata.name"));
        assertThat((Integer) hpa.get("spec.minReplicas")).isGreaterThanOrEqualTo(2);
        assertThat(hpa.string("spec.metrics.0.resource.name")).isEqualTo("cpu");
    }
}
