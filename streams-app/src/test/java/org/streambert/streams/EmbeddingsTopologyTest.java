package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.serving.ServingModel;
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
  void shouldRefuseMeanPoolingWhichTheServedModelCannotProduce() {
    ConfigException e = assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(
        NlpConfig.EMBEDDINGS_POOLING_CONFIG, "mean")));
    assertTrue(e.getMessage().contains(NlpConfig.EMBEDDINGS_POOLING_CONFIG), e.getMessage());
  }
}
