package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * Every record is tokenized exactly once on its way through the batch step: when it is planned into windows (which
 * bound its work and fill the batch's token budget), not again when it runs; the batch's figures come from the
 * predictor itself.
 */
class TokenizeOnceTopologyTest {

  @TempDir
  Path dir;

  private final AtomicInteger tokenized = new AtomicInteger();
  private final RuleForwardPass pass = RuleForwardPass.standard();
  /** (batch, sequence length) of every forward pass. */
  private final List<int[]> passes = new CopyOnWriteArrayList<>();
  private Harness h;

  /** The rule forward pass, recording the shape of each call. */
  private final class Recording implements ForwardPass {
    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      passes.add(new int[] {batch, seqLen});
      return pass.run(batch, seqLen, inputIds, inputMask, segmentIds);
    }

    @Override
    public int hiddenSize() {
      return pass.hiddenSize();
    }

    @Override
    public int numClasses() {
      return pass.numClasses();
    }

    @Override
    public int numTokenLabels() {
      return pass.numTokenLabels();
    }

    @Override
    public void close() {
      pass.close();
    }
  }

  /** The test vocabulary's whitespace tokenizer, counting its calls. */
  private final class Counting implements TextTokenizer {
    private final TextTokenizer delegate = new TestModels.WhitespaceTokenizer(TestModels.VOCAB);

    @Override
    public WordPieces tokenize(String text) {
      tokenized.incrementAndGet();
      return delegate.tokenize(text);
    }

    @Override
    public int vocabSize() {
      return delegate.vocabSize();
    }

    @Override
    public int clsId() {
      return delegate.clsId();
    }

    @Override
    public int sepId() {
      return delegate.sepId();
    }

    @Override
    public int padId() {
      return delegate.padId();
    }

    @Override
    public int unkId() {
      return delegate.unkId();
    }

    @Override
    public int maskId() {
      return delegate.maskId();
    }
  }

  private void start(Map<String, ?> overrides) {
    h = new Harness(dir, new HashMap<>(overrides), cp -> { });
    h.models.swap(ServingModel.create("bert-nlp", "1", "sha-1", new Counting(), new Recording(), TestModels.CLASS_HEAD,
        TestModels.TOKEN_HEAD, PredictorConfig.builder().maxLength(32).docStride(30).maxBatchSize(64).build()));
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static String words(int n, String word) {
    return String.join(" ", Collections.nCopies(n, word));
  }

  @Test
  void shouldTokenizeEachRecordOnceAndReportTheBatchFromThePredictor() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 4, NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0));
    List<String> texts = List.of("good day alice", "bad day", words(45, "hello") + " bob", "the world is good");
    for (int i = 0; i < texts.size(); i++) {
      h.send("r" + i, texts.get(i));
    }
    List<EnrichedText> out = h.output.readValuesToList();
    assertEquals(4, out.size());
    assertEquals(4, tokenized.get(), "one tokenization per record, planning and prediction together");
    assertEquals(5, pass.batchSizes.stream().mapToInt(Integer::intValue).sum(), "the batch's 5 windows ran once");
    assertEquals(2, out.get(2).getWindowCount());
    assertEquals("pos", out.get(0).getClassification().getLabel());
    long infer = out.get(0).getTimings().getInferMicros();
    assertTrue(out.stream().allMatch(o -> o.getTimings().getInferMicros() == infer), "one batch, one forward time");
    // The predictor's own token counts: windows of 5, 4, 32 (30 words), 18 (16 words) and 6 tokens with [CLS] and
    // [SEP], padded per forward pass to its longest window.
    long padded = passes.stream().mapToLong(bs -> (long) bs[0] * bs[1]).sum();
    double padding = h.metrics.registry().get("nlp.batch.padding.efficiency").summary().mean();
    assertEquals((5 + 4 + 32 + 18 + 6) / (double) padded, padding, 1e-9);
  }

  @Test
  void shouldTokenizeATruncatedTextOnceAndARepeatedTextOnceEach() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3, NlpConfig.TEXT_MAX_WINDOWS_CONFIG, 2,
        NlpConfig.TEXT_MAX_WINDOWS_POLICY_CONFIG, "truncate"));
    String longText = words(100, "hello") + " alice";
    h.send("long", longText);
    h.send("a", "good day alice");
    h.send("again", "good day alice");
    List<EnrichedText> out = h.output.readValuesToList();
    assertEquals(3, out.size());
    assertTrue(out.get(0).getTruncated());
    assertEquals(longText, out.get(0).getText(), "the output carries the whole text");
    assertEquals(3, tokenized.get(), "the truncated prefix is not tokenized again; a cached repeat once too");
    assertEquals(out.get(1).getClassification(), out.get(2).getClassification());
  }
}
