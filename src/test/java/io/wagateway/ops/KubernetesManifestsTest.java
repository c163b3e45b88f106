package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests the build generates (JKube resource goal, fragments in {@code src/main/jkube/}), read
 * with fabric8's typed model, and the Camel K Integration in {@code deploy/camel-k/}.
 */
class KubernetesManifestsTest {

    static final Path PROJECT = Path.of(System.getProperty("gateway.project-dir", "."));
    static final Path GENERATED = PROJECT.resolve("target/classes/META-INF/jkube/kubernetes");
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Every credential the gateway reads from the environment. */
    static final List<String> CREDENTIALS = List.of("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
            "WHATSAPP_ACCESS_TOKEN", "WAHA_WEBHOOK_HMAC_KEY", "WAHA_API_KEY", "PERISKOPE_SIGNING_SECRET",
            "PERISKOPE_API_KEY", "UNIPILE_WEBHOOK_SECRET", "UNIPILE_API_KEY", "OPENROUTER_API_KEY", "ADMIN_TOKEN",
            "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "MEDIA_S3_ACCESS_KEY", "MEDIA_S3_SECRET_KEY",
            "MEDIA_URL_SECRET");

    static <T> T read(String file, Class<T> type) throws IOException {
        Map<String, Object> yaml = new Yaml().load(Files.readString(GENERATED.resolve(file)));
        return MAPPER.convertValue(yaml, type);
    }

    /**
     * The one generated manifest of a kind. JKube names the files of kinds it has no file type for (PodDisruptionBudget,
     * HorizontalPodAutoscaler) {@code whatsapp-gateway[-N]-cr.yml}: found by their {@code kind}, not their name.
     */
    static <T> T readKind(String kind, Class<T> type) throws IOException {
        List<Map<String, Object>> found = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(GENERATED)) {
            for (Path file : files.sorted().toList()) {
                Map<String, Object> yaml = new Yaml().load(Files.readString(file));
                if (yaml != null && kind.equals(yaml.get("kind"))) {
                    found.add(yaml);
                }
            }
        }
        assertThat(found).as("one generated " + kind).hasSize(1);
        return MAPPER.convertValue(found.get(0), type);
    }

    /** @return the file names of routes/*.camel.yaml and routes/flows/*.camel.yaml (one flat ConfigMap), sorted */
    static List<String> routeFiles() throws IOException {
        List<String> names = routePaths().stream().map(p -> p.getFileName().toString()).sorted()
                .collect(Collectors.toList());
        assertThat(names).as("route file names are ConfigMap keys: unique across routes/ and routes/flows/")
                .doesNotHaveDuplicates();
        return names;
    }

    /** @return every route file the gateway loads by default: routes/*.camel.yaml and routes/flows/*.camel.yaml */
    static List<Path> routePaths() throws IOException {
        List<Path> paths = new java.util.ArrayList<>();
        for (Path dir : List.of(PROJECT.resolve("routes"), PROJECT.resolve("routes/flows"))) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".camel.yaml")).forEach(paths::add);
            }
        }
        return paths;
    }

    @Test
    void deploymentHasTwoReplicasProbesOnActuatorResourcesAndSecretsForEveryCredential() throws IOException {
        Deployment d = read("whatsapp-gateway-deployment.yml", Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isNotBlank();
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8080);
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("768Mi");
        assertThat(c.getResources().getRequests().get("memory").toString()).isEqualTo("768Mi");

        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> a));
        for (String credential : CREDENTIALS) {
            EnvVar e = env.get(credential);
            assertThat(e).as(credential).isNotNull();
            assertThat(e.getValue()).as(credential + " never inline").isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("whatsapp-gateway-secrets");
        }
        assertThat(env.get("ELASTICSEARCH_LOCAL_ENABLED").getValue()).isEqualTo("false");
        assertThat(env.get("ELASTICSEARCH_URL").getValueFrom().getConfigMapKeyRef().getName())
                .isEqualTo("whatsapp-gateway-env");
        assertThat(env.get("GATEWAY_ROUTES").getValue()).isEqualTo("file:/config/routes/*.camel.yaml");
        assertThat(env.get("SPRING_CONFIG_ADDITIONAL_LOCATION").getValue()).contains("/config/application.yaml");
        assertThat(env.get("JAVA_OPTIONS").getValue()).contains("-Xmx512m");
        // replicas share no disk: the media store is the S3-compatible one, configured from the env ConfigMap
        assertThat(env.get("MEDIA_STORE").getValue()).isEqualTo("s3");
        ConfigMap settings = read("whatsapp-gateway-env-configmap.yml", ConfigMap.class);
        for (String s3 : List.of("MEDIA_S3_ENDPOINT", "MEDIA_S3_BUCKET", "MEDIA_S3_REGION", "MEDIA_S3_PATH_STYLE")) {
            String key = env.get(s3).getValueFrom().getConfigMapKeyRef().getKey();
            assertThat(env.get(s3).getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("whatsapp-gateway-env");
            assertThat(settings.getData()).as(s3).containsKey(key);
        }
        assertThat(settings.getData().get("media-s3-bucket")).isNotBlank();

        Map<String, VolumeMount> mounts = c.getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));
        Map<String, Volume> volumes = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                .collect(Collectors.toMap(Volume::getName, v -> v));
        Volume routes = volumes.get(mounts.get("/config/routes").getName());
        assertThat(routes.getConfigMap().getName()).isEqualTo("whatsapp-gateway-config");
        Volume app = volumes.get(mounts.get("/config/application.yaml").getName());
        assertThat(app.getConfigMap().getName()).isEqualTo("whatsapp-gateway-config");
    }

    @Test
    void configMapCarriesEveryRouteFileAndApplicationYamlAsTheyAreInTheRepository() throws IOException {
        ConfigMap cm = read("whatsapp-gateway-config-configmap.yml", ConfigMap.class);
        List<Path> routes = routePaths();
        assertThat(routes).hasSizeGreaterThan(5);
        assertThat(routes).as("the flows are mounted too").anyMatch(p -> p.getParent().endsWith("flows"));
        for (Path route : routes) {
            assertThat(cm.getData().get(route.getFileName().toString())).as(route.toString())
                    .isEqualTo(Files.readString(route));
        }
        assertThat(cm.getData().get("application.yaml")).isEqualTo(Files.readString(PROJECT.resolve("application.yaml")));
    }

    @Test
    void serviceExposesPort8080AndTellsPrometheusWhereToScrape() throws IOException {
        Service s = read("whatsapp-gateway-service.yml", Service.class);
        assertThat(s.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(8080));
        assertThat(s.getMetadata().getAnnotations()).containsEntry("prometheus.io/path", "/actuator/prometheus");
        Deployment d = read("whatsapp-gateway-deployment.yml", Deployment.class);
        assertThat(d.getSpec().getSelector().getMatchLabels()).containsAllEntriesOf(s.getSpec().getSelector());
    }

    @Test
    void podDisruptionBudgetSelectsTheDeploymentsPodsAndLetsOneGoAtATime() throws IOException {
        PodDisruptionBudget pdb = readKind("PodDisruptionBudget", PodDisruptionBudget.class);
        assertThat(pdb.getApiVersion()).isEqualTo("policy/v1");
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getMinAvailable()).as("one of the two, not both").isNull();
        Deployment d = read("whatsapp-gateway-deployment.yml", Deployment.class);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selects = pdb.getSpec().getSelector().getMatchLabels();
        assertThat(selects).isNotEmpty();
        assertThat(podLabels).as("the budget's selector matches the deployment's pods").containsAllEntriesOf(selects);
        assertThat(d.getSpec().getSelector().getMatchLabels()).containsAllEntriesOf(selects);
    }

    @Test
    void horizontalPodAutoscalerScalesTheDeploymentOnCpuAgainstItsCpuRequest() throws IOException {
        HorizontalPodAutoscaler hpa = readKind("HorizontalPodAutoscaler",
                HorizontalPodAutoscaler.class);
        assertThat(hpa.getApiVersion()).isEqualTo("autoscaling/v2");
        Deployment d = read("whatsapp-gateway-deployment.yml", Deployment.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(d.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        assertThat(hpa.getSpec().getMinReplicas()).as("the deployment starts at the autoscaler's floor")
                .isEqualTo(d.getSpec().getReplicas());
        MetricSpec cpu = hpa.getSpec().getMetrics().get(0);
        assertThat(cpu.getType()).isEqualTo("Resource");
        assertThat(cpu.getResource().getName()).isEqualTo("cpu");
        assertThat(cpu.getResource().getTarget().getType()).isEqualTo("Utilization");
        assertThat(cpu.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        // a utilization target is a share of the CPU request: without one the autoscaler cannot compute it
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getResources().getRequests()).containsKey("cpu");
        assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("500m");
    }

    @Test
    void tenantsSecretIsMountedReadOnlyWhereGatewayTenantsFilePoints() throws IOException {
        Deployment d = read("whatsapp-gateway-deployment.yml", Deployment.class);
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        String file = c.getEnv().stream().filter(e -> e.getName().equals("GATEWAY_TENANTS_FILE")).findFirst()
                .orElseThrow().getValue();
        assertThat(file).isEqualTo("/etc/whatsapp-gateway/tenants/tenants.yaml");
        Path path = Path.of(file);
        VolumeMount mount = c.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(path.getParent().toString())).findFirst().orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getSubPath()).as("a whole-directory mount follows Secret updates").isNull();
        Volume volume = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("whatsapp-gateway-tenants");
        assertThat(volume.getSecret().getOptional()).as("no Secret: no file, the default tenant only").isTrue();
        assertThat(volume.getSecret().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getKey()).isEqualTo("tenants.yaml");
            assertThat(item.getPath()).isEqualTo(path.getFileName().toString());
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void camelKIntegrationRunsEveryRouteFileFromTheConfigMapWithTheProjectBeans() throws IOException {
        Map<String, Object> integration = new Yaml().load(
                Files.readString(PROJECT.resolve("deploy/camel-k/whatsapp-gateway.yaml")));
        assertThat(integration).containsEntry("apiVersion", "camel.apache.org/v1").containsEntry("kind", "Integration");
        Map<String, Object> spec = (Map<String, Object>) integration.get("spec");
        List<Map<String, Object>> sources = (List<Map<String, Object>>) spec.get("sources");
        assertThat(sources).extracting(s -> s.get("contentKey")).containsExactlyElementsOf(routeFiles());
        assertThat(sources).allSatisfy(s -> assertThat(s.get("contentRef")).isEqualTo("whatsapp-gateway-config"));
        assertThat((List<String>) spec.get("dependencies"))
                .contains("mvn:io.wagateway:whatsapp-gateway:0.1.0-SNAPSHOT:jar:beans")
                .contains("camel:opentelemetry2"); // GatewayTracing (beans.camel.yaml) links against it
        // the tenants: the same Secret at the same place as the Deployment's, and the variable pointing into it
        Map<String, Object> traits = (Map<String, Object>) spec.get("traits");
        List<String> mounted = (List<String>) ((Map<String, Object>) traits.get("mount")).get("resources");
        assertThat(mounted).contains("secret:whatsapp-gateway-tenants@/etc/whatsapp-gateway/tenants");
        List<String> vars = (List<String>) ((Map<String, Object>) traits.get("environment")).get("vars");
        assertThat(vars).contains("GATEWAY_TENANTS_FILE=/etc/whatsapp-gateway/tenants/tenants.yaml");
    }
}
