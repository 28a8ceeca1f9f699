package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.DivergedModel;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.TensorFlowModelLoader;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/**
 * Issue 29: a model with NaN weights, one that scores the golden examples NaN, and a checkpoint whose expected golden
 * score is NaN are all refused, while the model before keeps serving ({@code Math.abs(NaN - NaN) > tol} is false: the
 * comparison used to let NaN through).
 */
class NonFiniteModelRolloutTest {

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private ModelHolder holder;
  private ModelRollout rollout;
  private Harness h;

  @AfterEach
  void tearDown() {
    rollout.close();
    h.close();
  }

  private void start(String model, org.streambert.streams.serving.ModelLoader loader) {
    holder = new ModelHolder(model);
    rollout = new ModelRollout("test", holder, loader, dir.resolve("cache"), statuses::add, 1e-3, 32);
    h = new Harness(dir.resolve("state"), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder);
  }

  private void publish(ModelCheckpoint cp) throws InterruptedException {
    h.checkpoints.pipeInput(cp.getModelName(), cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(60)), "rollout did not finish");
  }

  @Test
  void shouldRefuseABundleWithNaNWeightsWhileTheOldModelKeepsServing() throws Exception {
    start("tiny", new TensorFlowModelLoader());
    ModelCheckpoint v1 = TensorFlowModelRolloutTest.publishable(dir.resolve("store").resolve("1"), "1", 1);
    publish(v1);
    assertEquals(RolloutStatus.LOADED, statuses.get(0).status(), statuses.get(0).reason());

    // v2: a diverged run's weights, published by a writer without the export check; v1's golden examples.
    Path target = dir.resolve("store").resolve("2");
    ModelBundle bundle;
    try (BertModel model = BertModel.create(TinyBert.CONFIG, TensorFlowModelRolloutTest.HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, TensorFlowModelRolloutTest.HEADS, 2)))) {
      DivergedModel.poison(model, "cls_head/output_bias", Float.NaN);
      bundle = DivergedModel.writeBundle(target, model, TensorFlowModelRolloutTest.vocab(), new ModelDescriptor(
          "tiny", "2", Instant.now(), BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 32),
          List.of(TensorFlowModelRolloutTest.TOPIC, TensorFlowModelRolloutTest.NER)));
    }
    publish(ModelCheckpoint.newBuilder(v1).setVersion("2").setBundleUri(target.toUri().toString())
        .setManifestSha256(bundle.manifestSha256()).build());

    RolloutStatus refused = statuses.get(1);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("weights.finite: tensor cls_head/output_bias holds NaN"),
        refused.reason());
    assertEquals("1", refused.servingVersion());
    h.send("a", TensorFlowModelRolloutTest.TEXT);
    assertEquals("1", h.output.readRecord().value().getModelVersion());
  }

  @Test
  void shouldRefuseAModelThatScoresTheGoldenExamplesNaN() throws Exception {
    start("bert-nlp", new TestModels.Loader());
    publish(checkpoint("1", "standard", 0.9f));
    assertEquals(RolloutStatus.LOADED, statuses.get(0).status(), statuses.get(0).reason());
    publish(checkpoint("2", "nan", 0.9f));
    RolloutStatus refused = statuses.get(1);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("golden.finite: golden example 0: the model's score of label"),
        refused.reason());
    assertEquals("1", holder.currentVersion());
  }

  @Test
  void shouldRefuseAGoldenExampleWhoseExpectedScoreIsNaN() throws Exception {
    start("bert-nlp", new TestModels.Loader());
    publish(checkpoint("1", "standard", 0.9f));
    publish(checkpoint("2", "standard", Float.NaN));
    RolloutStatus refused = statuses.get(1);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("golden.finite: golden example 0: expected score NaN"), refused.reason());
    assertEquals("1", holder.currentVersion());
  }

  /** A checkpoint of a {@link TestModels} bundle whose golden example expects {@code posScore} for "good day". */
  private ModelCheckpoint checkpoint(String version, String variant, float posScore) throws Exception {
    ModelBundle bundle = TestModels.writeBundle(dir.resolve("store").resolve(version), "bert-nlp", version, variant,
        TestModels.VOCAB);
    List<LabelScore> scores = new ArrayList<>(List.of(new LabelScore("pos", posScore)));
    return ModelCheckpoint.newBuilder().setModelName("bert-nlp").setVersion(version)
        .setBundleUri(bundle.dir().toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.now())
        .setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, TestModels.CLASSES),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, TestModels.TAGS)))
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText("good day").setExpectedLabel("pos")
            .setExpectedScores(scores).setExpectedEntities(List.of()).build()))
        .build();
  }
}
