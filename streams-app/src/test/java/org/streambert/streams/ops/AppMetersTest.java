package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

class AppMetersTest {

  @Test
  void shouldRenderNlpJvmAndProcessMetricsInPrometheusFormat() {
    try (AppMeters meters = new AppMeters("inst-1", false); ModelHolder models = new ModelHolder("m")) {
      meters.nlp().bindModels(models);
      models.swap(TestModels.serving("3", RuleForwardPass.standard()));
      meters.nlp().recordBatch(4, 2_000_000, 1_000_000, 30, 40);
      meters.nlp().recordRecord(10_000, 20_000, System.currentTimeMillis() - 50, System.currentTimeMillis());
      meters.nlp().deadLettered("BLANK_TEXT", 2);
      String text = meters.scrape();
      assertTrue(text.contains("# TYPE nlp_infer_seconds histogram"), text);
      assertTrue(text.contains("nlp_infer_seconds_bucket{instance_id=\"inst-1\",le=\"0.002\"} 1"),
          text);
      assertTrue(text.contains("nlp_batch_padding_efficiency_ratio_sum{"), text);
      assertTrue(text.contains("nlp_records_dead_lettered_total{instance_id=\"inst-1\","
          + "reason=\"BLANK_TEXT\"} 2.0"), text);
      assertTrue(text.contains("nlp_model_info{engine=\"custom\",instance_id=\"inst-1\",model_name=\"m\","
          + "model_version=\"3\",precision=\"fp32\"} 1"), text);
      assertTrue(text.contains("nlp_model_loads_total{"), text);
      models.swap(TestModels.serving("4", RuleForwardPass.standard()));
      String after = meters.scrape();
      assertTrue(after.contains("model_version=\"4\",precision=\"fp32\"} 1"), after);
      assertFalse(after.contains("model_version=\"3\""), "an info metric names only the serving version: " + after);
      assertTrue(text.contains("jvm_memory_used_bytes{"), text);
      assertTrue(text.contains("process_cpu_usage{"), text);
      assertFalse(text.contains("jmx"), "JMX is off by default");
    }
  }

  @Test
  void shouldPublishMetersOverJmxWhenEnabled() throws Exception {
    try (AppMeters meters = new AppMeters("inst-2", true)) {
      meters.nlp().deadLettered("UNDECODABLE", 1);
      var server = ManagementFactory.getPlatformMBeanServer();
      var names = server.queryNames(new ObjectName(AppMeters.JMX_DOMAIN + ":*"), null);
      assertTrue(names.stream().anyMatch(n -> n.toString().contains("nlpRecordsDeadLettered")), names.toString());
    }
  }
}
