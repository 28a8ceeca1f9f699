package org.streambert.bert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/** Window planning: one tokenization per text, cuts at word boundaries, the predictor's own stage timings. */
class TextWindowsTest {

  private static final WordPieceTokenizer WORD_PIECE = new WordPieceTokenizer(Vocab.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "fans", "in", "al", "-", "ain", "and", "the", "u", ".", "met",
      "o", "'", "neil", "un", "##believ", "##able", "zoe", "北", "京", ",", "paris", "france", "!", "good")), true);

  private static final List<String> TEXTS = List.of(
      "Fans in AL-AIN and the U.S. met O'Neil, unbelievable!",
      "Zoë met Paris, France: 北京 good good unbelievable unbelievable.",
      "good",
      "unbelievable unbelievable unbelievable unbelievable unbelievable",
      "北京北京北京北京 , , , ! ! good");

  /** Counts tokenize calls. */
  private static final class Counting implements TextTokenizer {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public WordPieces tokenize(String text) {
      calls.incrementAndGet();
      return WORD_PIECE.tokenize(text);
    }

    @Override
    public int vocabSize() {
      return WORD_PIECE.vocabSize();
    }

    @Override
    public int clsId() {
      return WORD_PIECE.clsId();
    }

    @Override
    public int sepId() {
      return WORD_PIECE.sepId();
    }

    @Override
    public int padId() {
      return WORD_PIECE.padId();
    }

    @Override
    public int unkId() {
      return WORD_PIECE.unkId();
    }

    @Override
    public int maskId() {
      return WORD_PIECE.maskId();
    }
  }

  private static BertPredictor predictor(TextTokenizer tokenizer, int maxLength, int docStride) {
    ScriptedForwardPass pass = new ScriptedForwardPass(2, 28, 3,
        (id, position) -> new float[] {0.5f, 0.3f + 0.01f * (id % 10), 0.2f - 0.01f * (id % 10)});
    return BertPredictor.create(tokenizer, pass, new ClassificationHead("c", List.of("a", "b"), false),
        new TokenClassificationHead("ner", List.of("O", "B-X", "I-X")),
        PredictorConfig.builder().maxLength(maxLength).docStride(docStride).maxBatchSize(4).build());
  }

  @Test
  void shouldTokenizeEachTextOnceAndPredictWhatPredictDoes() {
    Counting counting = new Counting();
    try (BertPredictor predictor = predictor(counting, 6, 2)) {
      List<TextWindows> plans = new ArrayList<>();
      for (String text : TEXTS) {
        plans.add(predictor.plan(text));
      }
      Predictions planned = predictor.predictPlanned(plans);
      assertEquals(TEXTS.size(), counting.calls.get(), "planning tokenized each text once, predicting none again");
      assertEquals(predictor.predict(TEXTS), planned.predictions());
      for (int i = 0; i < TEXTS.size(); i++) {
        assertEquals(plans.get(i).windowCount() > 1, planned.predictions().get(i).windowed(), TEXTS.get(i));
      }
    }
  }

  @Test
  void shouldCutTheFirstWindowsAtAWordBoundarySoThePrefixTokenizesIntoTheSamePieces() {
    for (int[] lengthAndStride : new int[][] {{5, 3}, {6, 2}, {4, 1}, {8, 6}}) {
      try (BertPredictor predictor = predictor(WORD_PIECE, lengthAndStride[0], lengthAndStride[1])) {
        for (String text : TEXTS) {
          TextWindows all = predictor.plan(text);
          assertSame(all, all.firstWindows(all.windowCount()), "a text that fits is not cut");
          for (int k = 1; k < all.windowCount(); k++) {
            TextWindows cut = all.firstWindows(k);
            String where = text + " cut to " + k + " windows of " + (lengthAndStride[0] - 2);
            assertTrue(text.startsWith(cut.text()) && cut.text().length() < text.length(), where);
            assertTrue(cut.windowCount() <= k, where);
            WordPieces again = WORD_PIECE.tokenize(cut.text());
            assertArrayEquals(again.ids(), cut.pieces().ids(), where);
            assertArrayEquals(again.starts(), cut.pieces().starts(), where);
            assertArrayEquals(again.ends(), cut.pieces().ends(), where);
            TextWindows replanned = predictor.plan(cut.text());
            assertEquals(replanned.windowCount(), cut.windowCount(), where);
            assertEquals(predictor.predictPlanned(List.of(replanned)).predictions(),
                predictor.predictPlanned(List.of(cut)).predictions(), where);
          }
        }
      }
    }
  }

  @Test
  void shouldReportItsForwardPassesAndTokensPerCall() {
    ScriptedForwardPass scripted = new ScriptedForwardPass(2, 28, 3, (id, position) -> new float[] {0.4f, 0.3f, 0.3f});
    try (BertPredictor predictor = BertPredictor.create(WORD_PIECE, new SlowPass(scripted), null, null,
        PredictorConfig.builder().maxLength(6).docStride(4).maxBatchSize(2).batchCostTokens(0).build())) {
      List<TextWindows> plans = TEXTS.stream().map(predictor::plan).toList();
      Predictions p = predictor.predictPlanned(plans);
      int passes = scripted.calls().size();
      long real = 0;
      long padded = 0;
      for (ScriptedForwardPass.Call call : scripted.calls()) {
        padded += (long) call.batch() * call.seqLen();
        for (int m : call.mask()) {
          real += m;
        }
      }
      assertEquals(real, p.realTokens());
      assertEquals(padded, p.paddedTokens());
      assertTrue(p.inferNanos() >= passes * SlowPass.SLEEP_MS * 1_000_000L, p.toString());
      assertTrue(p.postNanos() >= 0 && p.postNanos() < p.inferNanos() + 1_000_000_000L, p.toString());
      assertEquals(plans.stream().mapToLong(TextWindows::tokenizeNanos).sum(), p.tokenizeNanos());
    }
  }

  @Test
  void shouldRefuseTextsItCannotPlanAndWindowsAnotherPredictorPlanned() {
    try (BertPredictor a = predictor(WORD_PIECE, 6, 2); BertPredictor b = predictor(WORD_PIECE, 6, 2)) {
      assertEquals("text is blank", assertThrows(IllegalArgumentException.class, () -> a.plan(" \t")).getMessage());
      assertThrows(IllegalArgumentException.class, () -> a.plan(null));
      TextWindows fromB = b.plan("good");
      assertThrows(IllegalArgumentException.class, () -> a.predictPlanned(List.of(fromB)));
      assertThrows(IllegalArgumentException.class, () -> a.plan("good").firstWindows(0));
      assertEquals("text at index 1 is blank",
          assertThrows(IllegalArgumentException.class, () -> a.predict(List.of("good", " "))).getMessage());
    }
  }

  /** A forward pass that takes at least {@link #SLEEP_MS} per call. */
  private static final class SlowPass implements ForwardPass {
    static final long SLEEP_MS = 5;
    private final ScriptedForwardPass delegate;

    SlowPass(ScriptedForwardPass delegate) {
      this.delegate = delegate;
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask,
        int[] segmentIds) {
      try {
        Thread.sleep(SLEEP_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return delegate.run(batch, seqLen, inputIds, inputMask, segmentIds);
    }

    @Override
    public int hiddenSize() {
      return delegate.hiddenSize();
    }

    @Override
    public int numClasses() {
      return delegate.numClasses();
    }

    @Override
    public int numTokenLabels() {
      return delegate.numTokenLabels();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
