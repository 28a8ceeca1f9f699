package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * Asking for labels: the standard rule model scores "good" texts pos 0.9 (sure) and the rest neg 0.8 (unsure under a
 * top-score threshold of 0.85); persons get entity score 0.9.
 */
class LabelingTopologyTest {

  @TempDir
  Path dir;

  private Harness harness(Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1,
        NlpConfig.LABELING_TOPIC_CONFIG, "needs-labeling", NlpConfig.LABELING_SCORE_THRESHOLD_CONFIG, 0.85,
        NlpConfig.LABELING_MARGIN_THRESHOLD_CONFIG, 0.0, NlpConfig.LABELING_ENTITY_SCORE_THRESHOLD_CONFIG, 0.0));
    props.putAll(extra);
    ModelHolder holder = new ModelHolder("bert-nlp");
    holder.swap(TestModels.serving("1", RuleForwardPass.standard()));
    return new Harness(dir, props, cp -> { }, holder);
  }

  @Test
  void shouldAskForLabelOfUncertainRecordWithPredictionAsSuggestionKeyedByTextHash() {
    try (Harness h = harness(Map.of())) {
      h.send("a", "hello alice");
      h.send("b", "good day");
      assertEquals(2, h.output.readRecordsToList().size(), "outputs are unchanged");
      List<TestRecord<byte[], TrainingExample>> asked = h.labeling.readRecordsToList();
      assertEquals(1, asked.size(), "only the unsure record is asked");
      TrainingExample ex = asked.get(0).value();
      assertEquals("hello alice", ex.getText());
      assertEquals(LabelingSampler.exampleId("hello alice"), ex.getId());
      assertEquals(ex.getId(), Harness.key(asked.get(0)));
      assertEquals("neg", ex.getLabel());
      assertEquals(List.of(new EntitySpan("PER", 6, 11)), ex.getEntities());
      assertTrue(ex.getSource().startsWith("suggestion:bert-nlp@1 top=0.8"), ex.getSource());
    }
  }

  @Test
  void shouldAskOncePerTextWithinModelVersionAndAgainForNewVersion() {
    try (Harness h = harness(Map.of())) {
      h.send("a", "hello alice");
      h.send("b", "hello alice");
      h.send("c", "hello bob");
      assertEquals(2, h.labeling.readRecordsToList().size(), "the repeated text is asked once");
      h.models.swap(TestModels.serving("2", RuleForwardPass.standard()));
      h.send("d", "hello alice");
      List<TestRecord<byte[], TrainingExample>> again = h.labeling.readRecordsToList();
      assertEquals(1, again.size(), "a new model version may be unsure again");
      assertTrue(again.get(0).value().getSource().startsWith("suggestion:bert-nlp@2"));
    }
  }

  @Test
  void shouldForgetOldestTextsBeyondDedupBound() {
    try (Harness h = harness(Map.of(NlpConfig.LABELING_DEDUP_MAX_TEXTS_CONFIG, 1))) {
      h.send("a", "hello alice");
      h.send("b", "hello bob");
      h.send("c", "hello alice");
      assertEquals(3, h.labeling.readRecordsToList().size(), "with room for one text the first was forgotten");
    }
  }

  @Test
  void shouldAskNothingAtSampleRateZeroAndByEntityScore() {
    try (Harness h = harness(Map.of(NlpConfig.LABELING_SAMPLE_RATE_CONFIG, 0.0))) {
      h.send("a", "hello alice");
      assertTrue(h.labeling.isEmpty());
    }
    LabelingSampler byEntity = new LabelingSampler(new LabelingSampler.Thresholds(0, 0, 0.95, 1, 10));
    var model = TestModels.serving("1", RuleForwardPass.standard());
    var p = model.predict(List.of("good alice", "good day")).predictions();
    assertTrue(byEntity.consider(model, "good alice", p.get(0), 0).isPresent(), "entity score 0.9 < 0.95");
    assertTrue(byEntity.consider(model, "good day", p.get(1), 0).isEmpty(), "no entity, sure label");
  }

  @Test
  void shouldWriteNoLabelingRequestsByDefault() {
    ModelHolder holder = new ModelHolder("bert-nlp");
    holder.swap(TestModels.serving("1", RuleForwardPass.standard()));
    try (Harness h = new Harness(dir, Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), cp -> { }, holder)) {
      h.send("a", "hello alice");
      assertEquals(1, h.output.readRecordsToList().size());
      assertNull(h.labeling);
      assertEquals(List.of(), h.driver.producedTopicNames().stream().filter(t -> t.contains("label")).toList());
    }
  }
}
