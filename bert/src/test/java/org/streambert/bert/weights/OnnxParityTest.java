package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.bert.weights.internals.HfFiles;

/**
 * Real weights no one here made: all-MiniLM-L6-v2's ONNX file imported into this project's TensorFlow graph must give
 * ONNX Runtime's outputs on the same tokens (sequence output within 1e-4, mean-pooled normalised embeddings at cosine
 * >= 0.9999), and this project's tokenizer must give the file's tokenizer.json ids (Hugging Face tokenizers).
 */
class OnnxParityTest {
  static final double MAX_SEQUENCE_DIFF = 1e-4;
  static final double MIN_COSINE = 0.9999;
  private static final int BATCH = 16;

  @TempDir static Path dir;
  static Path onnx;
  static Path tokenizerJson;
  static OrtEnvironment env;
  static OrtSession session;
  static BertModel model;
  static WordPieceTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    onnx = MiniLmOnnx.extract(MiniLmOnnx.MODEL_RESOURCE, dir, "model.onnx");
    tokenizerJson = MiniLmOnnx.extract(MiniLmOnnx.TOKENIZER_RESOURCE, dir, "tokenizer.json");
    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(2);
    session = env.createSession(onnx.toString(), options);
    OnnxCheckpoint ckpt = OnnxCheckpoint.open(onnx);
    model = BertModel.create(ckpt.config(), HeadsSpec.NONE, ckpt.orElse(WeightSource.random(0.02, 1)));
    HfFiles.TokenizerJson t = HfFiles.readTokenizerJson(tokenizerJson);
    tokenizer = new WordPieceTokenizer(t.vocab(), t.lowercase().orElseThrow(), t.maxInputCharsPerWord());
  }

  @AfterAll
  static void close() throws Exception {
    if (model != null) {
      model.close();
    }
    if (session != null) {
      session.close();
    }
  }

  @Test
  void shouldRecoverMiniLmConfigFromTheOnnxGraph() throws Exception {
    OnnxCheckpoint ckpt = OnnxCheckpoint.open(onnx);
    assertEquals(30522, ckpt.config().vocabSize());
    assertEquals(384, ckpt.config().hiddenSize());
    assertEquals(6, ckpt.config().numHiddenLayers());
    assertEquals(12, ckpt.config().numAttentionHeads());
    assertEquals(1536, ckpt.config().intermediateSize());
    assertEquals(512, ckpt.config().maxPositionEmbeddings());
    assertEquals(org.streambert.bert.model.Activation.GELU_ERF, ckpt.config().hiddenAct());
    assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), ckpt.graphInputs());
    assertTrue(ckpt.freshWeights().contains("bert/pooler/dense/kernel"), "the export has no pooler");
  }

  @Test
  void shouldMatchOnnxRuntimeOnGeneratedSentences() throws Exception {
    Parity p = compare(MiniLmOnnx.sentences(300, 7));
    System.out.printf(Locale.ROOT, "MiniLM ONNX parity on %d generated sentences: max |seq diff| %.3g, min cosine "
        + "%.8f, token ids equal on %d/%d%n", p.texts, p.maxDiff, p.minCosine, p.idsEqual, p.texts);
    assertEquals(p.texts, p.idsEqual, "tokenizer ids differ from tokenizer.json's");
    assertTrue(p.maxDiff <= MAX_SEQUENCE_DIFF, "max |sequence output diff| " + p.maxDiff);
    assertTrue(p.minCosine >= MIN_COSINE, "min cosine " + p.minCosine);
  }

  /** Opt-in: -Dstreambert.parity.uci=true with the team's shared/datasets folder (UCI sentiment sentences). */
  @Test
  @EnabledIfSystemProperty(named = "streambert.parity.uci", matches = "true")
  void shouldMatchOnnxRuntimeOnUciSentimentSentences() throws Exception {
    Path root = null;
    for (Path d = Path.of("").toAbsolutePath(); d != null && root == null; d = d.getParent()) {
      Path c = d.resolve("shared").resolve("datasets").resolve("sentiment_labelled");
      root = Files.isDirectory(c) ? c : null;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(root != null, "skipped: no shared/datasets/sentiment_labelled");
    List<String> texts = new ArrayList<>();
    for (String f : List.of("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")) {
      for (String line : Files.readAllLines(root.resolve(f))) {
        int tab = line.lastIndexOf('\t');
        if (tab > 0 && !line.substring(0, tab).isBlank()) {
          texts.add(line.substring(0, tab));
        }
      }
    }
    Parity p = compare(texts);
    System.out.printf(Locale.ROOT, "MiniLM ONNX parity on %d UCI sentiment sentences: max |seq diff| %.3g, min "
        + "cosine %.10f, token ids equal on %d/%d%n", p.texts, p.maxDiff, p.minCosine, p.idsEqual, p.texts);
    assertEquals(p.texts, p.idsEqual);
    assertTrue(p.maxDiff <= MAX_SEQUENCE_DIFF, "max |sequence output diff| " + p.maxDiff);
    assertTrue(p.minCosine >= MIN_COSINE, "min cosine " + p.minCosine);
  }

  record Parity(int texts, int idsEqual, double maxDiff, double minCosine) {}

  /** Both runtimes on the same ids (this tokenizer's), batched and padded; HF's ids checked against them. */
  static Parity compare(List<String> texts) throws Exception {
    int idsEqual = 0;
    double maxDiff = 0;
    double minCosine = 1;
    EmbeddingSpec spec = new EmbeddingSpec(EmbeddingPooling.MEAN, true);
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "true",
        "truncation", "false", "padding", "false", "maxLength", "1000000"))) {
      for (int from = 0; from < texts.size(); from += BATCH) {
        List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
        List<int[]> rows = new ArrayList<>();
        for (String text : batch) {
          WordPieces wp = tokenizer.tokenize(text);
          int keep = Math.min(wp.size(), 254); // the model's max_seq_length 256
          int[] row = new int[keep + 2];
          row[0] = tokenizer.clsId();
          System.arraycopy(wp.ids(), 0, row, 1, keep);
          row[keep + 1] = tokenizer.sepId();
          rows.add(row);
          long[] reference = hf.encode(text).getIds();
          if (keep == wp.size() && Arrays.equals(Arrays.stream(row).asLongStream().toArray(), reference)) {
            idsEqual++;
          }
        }
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
        int[] ids = new int[b * t];
        int[] mask = new int[b * t];
        for (int i = 0; i < b; i++) {
          System.arraycopy(rows.get(i), 0, ids, i * t, rows.get(i).length);
          Arrays.fill(mask, i * t, i * t + rows.get(i).length, 1);
        }
        EncoderOutput ours = model.encode(b, t, ids, mask, new int[b * t]);
        float[] theirs = runOnnx(b, t, ids, mask);
        for (int i = 0; i < b * t; i++) {
          if (mask[i] == 0) {
            continue;
          }
          for (int k = 0; k < 384; k++) {
            maxDiff = Math.max(maxDiff, Math.abs(ours.sequence()[i * 384 + k] - theirs[i * 384 + k]));
          }
        }
        float[][] a = EmbeddingPooling.MEAN.apply(ours, mask);
        EncoderOutput theirOut = new EncoderOutput(b, t, 384, theirs, new float[b * 384]);
        float[][] c = EmbeddingPooling.MEAN.apply(theirOut, mask);
        for (int i = 0; i < b; i++) {
          minCosine = Math.min(minCosine, cosine(spec.finish(a[i]), spec.finish(c[i])));
        }
      }
    }
    return new Parity(texts.size(), idsEqual, maxDiff, minCosine);
  }

  /** ONNX Runtime's last_hidden_state [B, T, H] for int64 inputs. */
  static float[] runOnnx(int b, int t, int[] ids, int[] mask) throws Exception {
    long[] shape = {b, t};
    try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(Arrays.stream(ids).asLongStream().toArray()),
            shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(Arrays.stream(mask).asLongStream().toArray()),
            shape);
        OnnxTensor s = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape);
        OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", s))) {
      float[][][] out = (float[][][]) r.get(0).getValue();
      float[] flat = new float[b * t * 384];
      for (int x = 0; x < b; x++) {
        for (int y = 0; y < t; y++) {
          System.arraycopy(out[x][y], 0, flat, (x * t + y) * 384, 384);
        }
      }
      return flat;
    }
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
