package org.streambert.bert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleContents;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;

class BertPredictorTest {

  private static final float EPS = 1e-5f;
  private static final ClassificationHead SENTIMENT = new ClassificationHead("sentiment", List.of("neg", "pos"), false);
  private static final TokenClassificationHead NER =
      new TokenClassificationHead("ner", List.of("O", "B-PER", "I-PER"));

  private final TinyWordPieceTokenizer tokenizer =
      new TinyWordPieceTokenizer("good", "bad", "t", "🎉", "Zoë", "met", "𝒜", "##lice", "a", "b", "c", "d", "e");

  @Test
  void shouldOffsetEntitiesByCodePointsOfOriginalText() {
    // 🎉 Zoë met 𝒜lice : Zoë is B-PER, 𝒜 B-PER, ##lice I-PER.
    int zoe = tokenizer.id("Zoë");
    int script = tokenizer.id("𝒜");
    int lice = tokenizer.id("##lice");
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 3,
        (id, position) -> id == zoe || id == script ? oneHot(1) : id == lice ? oneHot(2) : oneHot(0));
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, NER, PredictorConfig.defaults())) {
      Prediction p = predictor.predict("🎉 Zoë met 𝒜lice");
      assertEquals(List.of(new Entity("PER", 2, 5, "Zoë", 0.9f), new Entity("PER", 10, 15, "𝒜lice", 0.9f)),
          p.entities());
      assertFalse(p.windowed());
    }
  }

  @Test
  void shouldTakeEachTokenOfLongTextFromItsMaxContextWindow() {
    // 8 tokens, maxLength 6 (4 tokens per window), stride 2: windows [0,4) [2,6) [4,8). Max context (min(left, right)
    // + 0.04, first wins ties): tokens 0-2 -> window 0, 3-4 -> window 1, 5-7 -> window 2. The scorer gives B-PER the
    // probability 0.5 + 0.01 * (position in the window row, [CLS] = 0), so each score reveals the window used:
    // token i from a window starting at s has position i - s + 1.
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 3,
        (id, position) -> new float[] {0.5f - 0.01f * position, 0.5f + 0.01f * position, 0f});
    PredictorConfig config = PredictorConfig.builder().maxLength(6).docStride(2)
        .aggregation(AggregationStrategy.NONE).build();
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, NER, config)) {
      Prediction p = predictor.predict("a b c d e a b c");
      assertTrue(p.windowed());
      float[] expected = {0.51f, 0.52f, 0.53f, 0.52f, 0.53f, 0.52f, 0.53f, 0.54f};
      assertEquals(expected.length, p.entities().size(), "every token of the text is labelled, none truncated");
      for (int i = 0; i < expected.length; i++) {
        Entity e = p.entities().get(i);
        assertEquals(2 * i, e.start(), "token " + i);
        assertEquals(expected[i], e.score(), EPS, "score of token " + i);
      }
      assertEquals(3, pass.calls().stream().mapToInt(ScriptedForwardPass.Call::batch).sum(), "three windows run");
    }
  }

  @Test
  void shouldAverageClassesAndEmbeddingOverWindowsWeightedByTokens() {
    // maxLength 4: 2 tokens per window; "good good bad" -> windows [good good] (pos 1.0, 4 real ids) and [bad]
    // (pos 0.0, 3 real ids). Weighted by 2 and 1 tokens: pos = 2/3, embedding[0] = (2*4 + 1*3) / 3 = 11/3.
    ScriptedForwardPass pass = new ScriptedForwardPass(2, tokenizer.id("good"), 0, null);
    PredictorConfig config = PredictorConfig.builder().maxLength(4).docStride(2).build();
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, SENTIMENT, null, config)) {
      Prediction p = predictor.predict("good good bad");
      assertTrue(p.windowed());
      assertEquals("pos", p.label().label());
      assertEquals(2f / 3, p.label().score(), EPS);
      assertEquals(1f / 3, p.labelScores().get(0).score(), EPS);
      assertEquals(List.of("pos"), p.activeLabels());
      assertEquals(11f / 3, p.embedding()[0], EPS);
    }
  }

  @Test
  void shouldPadEachBatchOnlyToItsLongestWindowAndReturnInputOrder() {
    // Token counts 1, 5, 3, 2 -> rows of 3, 7, 5, 4 ids; sorted and cut into batches of 2: {7, 5} and {4, 3}.
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 0, null);
    PredictorConfig config = PredictorConfig.builder().maxLength(16).maxBatchSize(2).build();
    List<String> texts = List.of("e", "a b c d e", "b c d", "c d");
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, null, config)) {
      List<Prediction> predictions = predictor.predict(texts);

      Set<String> shapes = new HashSet<>();
      for (ScriptedForwardPass.Call call : pass.calls()) {
        shapes.add(call.batch() + "x" + call.seqLen());
        for (int i = 0; i < call.ids().length; i++) {
          if (call.mask()[i] == 0) {
            assertEquals(TinyWordPieceTokenizer.PAD, call.ids()[i], "padding position " + i);
          }
        }
      }
      assertEquals(Set.of("2x7", "2x4"), shapes);
      // embedding = [real ids in the row, first word's id]: identifies which row came back for which text.
      List<String> actual = new ArrayList<>();
      for (Prediction p : predictions) {
        actual.add(Arrays.toString(p.embedding()));
        assertFalse(p.windowed());
      }
      assertEquals(List.of(
          Arrays.toString(new float[] {3, tokenizer.id("e")}),
          Arrays.toString(new float[] {7, tokenizer.id("a")}),
          Arrays.toString(new float[] {5, tokenizer.id("b")}),
          Arrays.toString(new float[] {4, tokenizer.id("c")})), actual);
    }
  }

  @Test
  void shouldNotPadShortWindowsToALongOneWhenAnotherPassCostsLess() {
    // Rows of 16, 3, 3, 3, 3 ids. One batch: 5 x 16 + 10 = 90 tokens; {16} and {3, 3, 3, 3}: 16 + 12 + 20 = 48.
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 0, null);
    PredictorConfig config = PredictorConfig.builder().maxLength(16).maxBatchSize(8).batchCostTokens(10).build();
    List<String> texts = List.of("e", "a b c d e a b c d e a b c d", "e", "e", "e");
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, null, config)) {
      List<Prediction> predictions = predictor.predict(texts);

      List<String> shapes = pass.calls().stream().map(c -> c.batch() + "x" + c.seqLen()).toList();
      assertEquals(List.of("1x16", "4x3"), shapes);
      assertEquals(16f, predictions.get(1).embedding()[0], EPS);
      assertEquals(3f, predictions.get(4).embedding()[0], EPS);
    }
  }

  @Test
  void shouldFrameEachWindowWithClsAndSep() {
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 0, null);
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, null, PredictorConfig.defaults())) {
      predictor.predict("good bad");
      ScriptedForwardPass.Call call = pass.calls().get(0);
      assertArrayEquals(new int[] {TinyWordPieceTokenizer.CLS, tokenizer.id("good"), tokenizer.id("bad"),
          TinyWordPieceTokenizer.SEP}, call.ids());
      assertArrayEquals(new int[] {1, 1, 1, 1}, call.mask());
      assertArrayEquals(new int[] {0, 0, 0, 0}, call.segments());
    }
  }

  @Test
  void shouldActivateEveryMultiLabelAboveThreshold() {
    // "good good bad": pos = 2/3, neg = 1/3; threshold 0.3 activates both, most probable first.
    ClassificationHead multi = new ClassificationHead("tags", List.of("neg", "pos"), true);
    ScriptedForwardPass pass = new ScriptedForwardPass(2, tokenizer.id("good"), 0, null);
    PredictorConfig config = PredictorConfig.builder().multiLabelThreshold(0.3f).build();
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, multi, null, config)) {
      assertEquals(List.of("pos", "neg"), predictor.predict("good good bad").activeLabels());
    }
  }

  @Test
  void shouldRefuseBlankTextNamingItsIndex() {
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 0, null);
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, null, PredictorConfig.defaults())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> predictor.predict(List.of("good", " \t")));
      assertTrue(e.getMessage().contains("index 1"), e.getMessage());
      assertTrue(pass.calls().isEmpty(), "nothing predicted");
    }
  }

  @Test
  void shouldCloseForwardPassWhenHeadDoesNotMatchIt() {
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 3, (id, position) -> oneHot(0));
    TokenClassificationHead wrong = new TokenClassificationHead("ner", List.of("O", "B-PER"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BertPredictor.create(tokenizer, pass, null, wrong, PredictorConfig.defaults()));
    assertTrue(e.getMessage().contains("2 labels"), e.getMessage());
    assertTrue(pass.isClosed());
  }

  @Test
  void shouldCloseItsForwardPassAndRefusePredictionsAfterwards() {
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, 0, null);
    BertPredictor predictor = BertPredictor.create(tokenizer, pass, null, null, PredictorConfig.defaults());
    predictor.close();
    assertTrue(pass.isClosed());
    assertThrows(IllegalStateException.class, () -> predictor.predict("good"));
  }

  @Test
  void shouldNameClassesAndTagsFromBundleHeads(@TempDir Path tmp) throws Exception {
    // The bundle's heads use other names than the constants above; predictions must carry the bundle's.
    List<String> vocab = new ArrayList<>();
    for (int id = 0; id < tokenizer.vocabSize(); id++) {
      vocab.add("tok" + id);
    }
    ModelDescriptor model = new ModelDescriptor("m", "1", Instant.EPOCH,
        ModelDescriptor.bertConfigOf(Map.of("vocab_size", vocab.size(), "max_position_embeddings", 16)),
        new TokenizerSettings(false, 16),
        List.of(new ClassificationHead("mood", List.of("sad", "happy"), false),
            new TokenClassificationHead("who", List.of("O", "B-HUM", "I-HUM"))));
    ModelBundle bundle = ModelBundle.write(tmp.resolve("b"), new BundleContents(model, vocab),
        dir -> Files.createDirectories(dir).resolve("saved_model.pb").toFile().createNewFile());
    int zoe = tokenizer.id("Zoë");
    ScriptedForwardPass pass = new ScriptedForwardPass(2, tokenizer.id("good"), 3,
        (id, position) -> id == zoe ? oneHot(1) : oneHot(0));
    PredictorConfig config = PredictorConfig.builder().maxLength(16).build();
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, tokenizer, b -> pass, config)) {
      Prediction p = predictor.predict("Zoë good");
      assertEquals(List.of("sad", "happy"), p.labelScores().stream().map(LabelScore::label).toList());
      assertEquals(List.of(new Entity("HUM", 0, 3, "Zoë", 0.9f)), p.entities());
    }
    assertTrue(pass.isClosed());
  }

  private static float[] oneHot(int label) {
    float[] probs = {0.05f, 0.05f, 0.05f};
    probs[label] = 0.9f;
    return probs;
  }
}
