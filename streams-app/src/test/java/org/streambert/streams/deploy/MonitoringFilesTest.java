package org.streambert.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files agree with each other and with the app: Prometheus scrapes the app's port and path, Grafana
 * gets the dashboard and a data source of the uid its panels name, and Kubernetes pods carry scrape annotations.
 */
class MonitoringFilesTest {

  @Test
  void shouldWireComposePrometheusAndGrafanaToTheAppAndTheDashboard() throws Exception {
    JsonNode services = DeployFilesTest.compose().path("services");
    List<String> grafanaMounts = new ArrayList<>();
    services.path("grafana").path("volumes").forEach(v -> grafanaMounts.add(v.asText()));
    assertTrue(grafanaMounts.contains("./grafana/dashboards:/var/lib/grafana/dashboards:ro"), grafanaMounts.toString());
    assertTrue(grafanaMounts.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"), grafanaMounts.toString());
    JsonNode provider = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve(
        "grafana/provisioning/dashboards/streaming-bert.yml"));
    assertEquals("/var/lib/grafana/dashboards", provider.path("providers").get(0).path("options").path("path")
        .asText());

    JsonNode datasource = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve(
        "grafana/provisioning/datasources/prometheus.yml")).path("datasources").get(0);
    JsonNode dashboard = new ObjectMapper().readTree(MetricsDashboardBrokerTest.DASHBOARD.toFile());
    List<JsonNode> uids = dashboard.findValues("uid");
    for (JsonNode ds : dashboard.findValues("datasource")) {
      assertEquals(datasource.path("uid").asText(), ds.path("uid").asText(), "panel data source");
    }
    assertTrue(uids.size() > 10);
    assertTrue(datasource.path("url").asText().startsWith("http://prometheus:9090"));
    assertTrue(services.has("prometheus"));

    JsonNode scrape = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve("prometheus/prometheus.yml"))
        .path("scrape_configs").get(0);
    assertEquals("/metrics", scrape.path("metrics_path").asText());
    JsonNode dns = scrape.path("dns_sd_configs").get(0);
    assertEquals("streams-app", dns.path("names").get(0).asText());
    assertTrue(services.has("streams-app"));
    assertEquals(DeployFilesTest.HTTP_PORT, dns.path("port").asInt());
  }

  @Test
  void shouldAnnotateKubernetesPodsForScrapingAndOfferAServiceMonitor() {
    JsonNode deployment = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve("k8s/base/streams-app-deployment.yaml"));
    JsonNode annotations = deployment.path("spec").path("template").path("metadata").path("annotations");
    assertEquals("true", annotations.path("prometheus.io/scrape").asText());
    assertEquals(String.valueOf(DeployFilesTest.HTTP_PORT), annotations.path("prometheus.io/port").asText());
    assertEquals("/metrics", annotations.path("prometheus.io/path").asText());

    JsonNode monitor = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve("k8s/monitoring/servicemonitor.yaml"));
    JsonNode service = DeployFilesTest.yaml(DeployFilesTest.DEPLOY.resolve("k8s/base/streams-app-service.yaml"));
    assertEquals(service.path("metadata").path("labels"), monitor.path("spec").path("selector").path("matchLabels"),
        "the ServiceMonitor selects the Service by its labels");
    assertEquals(service.path("spec").path("ports").get(0).path("name").asText(),
        monitor.path("spec").path("endpoints").get(0).path("port").asText());
    assertEquals("/metrics", monitor.path("spec").path("endpoints").get(0).path("path").asText());
  }
}
