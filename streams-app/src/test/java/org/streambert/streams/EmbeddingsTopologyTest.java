package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.serving.TensorFlowModelLoader;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/** The embeddings topic (nlp.embeddings.topic) with a real tiny BERT (L=2, H=32, random weights) as the model. */
class EmbeddingsTopologyTest {
  private static final String TOPIC = "text-embeddings";
  private static final BertConfig CFG = new BertConfig(TestModels.VOCAB.size(), 32, 2, 2, 64, Activation.GELU_TANH,
      0.0, 0.0, 64, 2, 0.02);

  @TempDir
  Path dir;

  private Harness h;

  private Harness start(Map<String, ?> overrides) {
    h = new Harness(dir, overrides, cp -> { });
    ServingModel model = ServingModel.create("bert-nlp", "7", "sha-7",
        new WordPieceTokenizer(Vocab.of(TestModels.VOCAB), true),
        BertModel.create(CFG, HeadsSpec.NONE, WeightSource.random(0.02, 11)), null, null,
        PredictorConfig.builder().maxLength(32).maxBatchSize(8).build());
    h.models.swap(model);
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private TestOutputTopic<byte[], EnrichedText> embeddings() {
    return h.driver.createOutputTopic(TOPIC, new ByteArrayDeserializer(), h.serdes.enrichedText().deserializer());
  }

  @Test
  void shouldPublishOneVectorPerRecordWithTheModelVersion() {
    start(Map.of(NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC, NlpConfig.BATCH_MAX_SIZE_CONFIG, 3));
    h.send("a", "good day alice");
    h.send("b", "good day alice");
    h.send("c", "bad world bob");
    List<TestRecord<byte[], EnrichedText>> vectors = embeddings().readRecordsToList();
    assertEquals(3, vectors.size());
    assertEquals(List.of("a", "b", "c"), vectors.stream().map(Harness::key).toList());
    for (TestRecord<byte[], EnrichedText> r : vectors) {
      assertEquals("7", r.value().getModelVersion());
      assertEquals(32, r.value().getEmbedding().size());
      assertNull(r.value().getClassification());
      assertTrue(r.value().getEntities().isEmpty());
    }
    assertEquals(vectors.get(0).value().getEmbedding(), vectors.get(1).value().getEmbedding(),
        "identical texts must get identical embeddings");
    assertNotEquals(vectors.get(0).value().getEmbedding(), vectors.get(2).value().getEmbedding(),
        "different texts must get different embeddings");
  }

  @Test
  void shouldAlsoPutTheEmbeddingOnTheEnrichedRecord() {
    start(Map.of(NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC, NlpConfig.BATCH_MAX_SIZE_CONFIG, 1));
    h.send("a", "hello world");
    EnrichedText enriched = h.output.readValue();
    EnrichedText vector = embeddings().readValue();
    assertEquals(vector.getEmbedding(), enriched.getEmbedding());
    assertEquals("hello world", vector.getText());
  }

  @Test
  void shouldLeaveTheEmbeddingOutWhenNoTopicIsConfigured() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1));
    h.send("a", "hello world");
    assertNull(h.output.readValue().getEmbedding());
    assertFalse(h.driver.producedTopicNames().contains(TOPIC));
  }

  @Test
  void shouldRefuseAPoolingItDoesNotKnow() {
    ConfigException e = assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(
        NlpConfig.EMBEDDINGS_POOLING_CONFIG, "sum")));
    assertTrue(e.getMessage().contains(NlpConfig.EMBEDDINGS_POOLING_CONFIG), e.getMessage());
    assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(NlpConfig.EMBEDDINGS_NORMALIZE_CONFIG, "yes")));
  }

  @Test
  void shouldServeTheBundlesOwnEmbeddingUnlessTheConfigNamesOne() {
    EmbeddingSpec own = new EmbeddingSpec(EmbeddingPooling.MEAN, true);
    assertEquals(EmbeddingSpec.DEFAULT, new NlpConfig(Map.of()).embeddings().resolve(own),
        "without an embeddings topic nothing asks for the sequence output");
    assertEquals(own, new NlpConfig(Map.of(NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC)).embeddings().resolve(own));
    assertEquals(EmbeddingSpec.DEFAULT, new NlpConfig(Map.of(NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC)).embeddings()
        .resolve(EmbeddingSpec.DEFAULT), "a bundle that says nothing serves BERT's pooled output");
    assertEquals(new EmbeddingSpec(EmbeddingPooling.CLS, true), new NlpConfig(Map.of(
        NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC, NlpConfig.EMBEDDINGS_POOLING_CONFIG, "cls")).embeddings()
        .resolve(own));
    assertEquals(new EmbeddingSpec(EmbeddingPooling.MEAN, false), new NlpConfig(Map.of(
        NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC, NlpConfig.EMBEDDINGS_NORMALIZE_CONFIG, "false")).embeddings()
        .resolve(own));
  }

  @Test
  void shouldPublishTheSentenceTransformersEmbeddingABundleCarries() throws Exception {
    // A real tiny BERT bundle that says mean pooling + Normalize, as a sentence-transformers import does.
    BertModel bert = BertModel.create(CFG, HeadsSpec.NONE, WeightSource.random(0.02, 12));
    ModelDescriptor descriptor = new ModelDescriptor("bert-nlp", "8", Instant.parse("2025-01-01T00:00:00Z"),
        BertBundles.bertConfigJson(CFG), new TokenizerSettings(true, 32), List.of())
        .withEmbeddings(new EmbeddingSpec(EmbeddingPooling.MEAN, true));
    ModelBundle bundle = BertBundles.write(dir.resolve("bundle"), bert, Vocab.of(TestModels.VOCAB), descriptor);
    bert.close();
    String text = "good day alice , bad world bob";
    float[] expected;
    try (BertPredictor offline = BertBundles.openPredictor(bundle, PredictorConfig.builder().maxLength(32).build())) {
      expected = offline.predict(text).embedding();
    }

    h = new Harness(dir, Map.of(NlpConfig.EMBEDDINGS_TOPIC_CONFIG, TOPIC, NlpConfig.BATCH_MAX_SIZE_CONFIG, 1),
        cp -> { });
    ServingModel model = ServingModel.fromBundle(bundle, new TensorFlowModelLoader(Precision.FP32).load(bundle), 8,
        h.config.embeddings());
    assertEquals(new EmbeddingSpec(EmbeddingPooling.MEAN, true), model.embeddings());
    h.models.swap(model);
    h.send("a", text);
    List<Float> vector = embeddings().readValue().getEmbedding();
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], vector.get(i), 1e-6, "component " + i);
      norm += vector.get(i) * (double) vector.get(i);
    }
    assertEquals(1.0, Math.sqrt(norm), 1e-5, "normalised as the bundle says");

    ServingModel pooledOnly = ServingModel.fromBundle(bundle, new TensorFlowModelLoader(Precision.FP32).load(bundle),
        8, new NlpConfig(Map.of()).embeddings());
    try {
      assertEquals(EmbeddingSpec.DEFAULT, pooledOnly.embeddings(), "embeddings off: no sequence output fetched");
    } finally {
      pooledOnly.discard();
    }
  }
}
