package org.streambert.streams.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.streambert.bert.bundle.BundleContents;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.streams.serving.LoadedModel;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.serving.ServingModel;

/**
 * Honest small test doubles: a whitespace tokenizer over a tiny vocabulary and a forward pass whose outputs are a
 * rule over the token ids, so every expected output can be worked out by hand:
 *
 * <ul>
 *   <li>class "pos" has probability 0.9 if the text contains the word "good", else 0.2 (variant "flipped": 0.1 and
 *       0.8); "neg" is the complement;</li>
 *   <li>the words "alice" and "bob" are tagged B-PER with probability 0.9, every other token O with 0.9;</li>
 *   <li>the word "boom" makes the forward pass throw (a record that breaks inference);</li>
 *   <li>the token {@link RuleForwardPass#nanToken} (none unless set; every text under variant "nan", whose token is
 *       [CLS]) makes the class scores NaN (a diverged model).</li>
 * </ul>
 */
public final class TestModels {

  public static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad",
      "day", "alice", "bob", "boom", "the", "is", "met", "hello", "world");
  public static final List<String> CLASSES = List.of("neg", "pos");
  public static final List<String> TAGS = List.of("O", "B-PER", "I-PER");
  public static final ClassificationHead CLASS_HEAD = new ClassificationHead("sentiment", CLASSES, false);
  public static final TokenClassificationHead TOKEN_HEAD = new TokenClassificationHead("ner", TAGS);
  public static final String VARIANT_FILE = "variant.txt";

  private TestModels() {
  }

  /**
   * A serving model of the standard rule, built directly (no bundle); its windows do not overlap (docStride 30 =
   * maxLength - 2), which keeps the window counts the batching tests assert simple.
   */
  public static ServingModel serving(String version, RuleForwardPass pass) {
    return ServingModel.create("bert-nlp", version, "sha-" + version, new WhitespaceTokenizer(VOCAB), pass,
        CLASS_HEAD, TOKEN_HEAD, PredictorConfig.builder().maxLength(32).docStride(30).maxBatchSize(64).build());
  }

  /** Writes a bundle whose saved_model/ holds just the variant name the {@link Loader} reads. */
  public static ModelBundle writeBundle(Path dir, String name, String version, String variant, List<String> vocab)
      throws IOException {
    ModelDescriptor model = new ModelDescriptor(name, version, Instant.parse("2025-01-01T00:00:00Z"),
        ModelDescriptor.bertConfigOf(Map.of("vocab_size", vocab.size(), "max_position_embeddings", 64,
            "hidden_size", 4)),
        new TokenizerSettings(true, 32), List.of(CLASS_HEAD, TOKEN_HEAD));
    return ModelBundle.write(dir, new BundleContents(model, vocab), savedModel -> {
      Files.createDirectories(savedModel);
      Files.writeString(savedModel.resolve(VARIANT_FILE), variant);
    });
  }

  /** The test's ModelLoader: tokenizer from vocab.txt, rule forward pass of the variant in saved_model/. */
  public static final class Loader implements ModelLoader {
    public final List<RuleForwardPass> loaded = new CopyOnWriteArrayList<>();

    @Override
    public LoadedModel load(ModelBundle bundle) throws IOException {
      List<String> vocab = Files.readAllLines(bundle.vocabFile(), StandardCharsets.UTF_8);
      String variant = Files.readString(bundle.savedModelDir().resolve(VARIANT_FILE)).trim();
      RuleForwardPass pass = new RuleForwardPass(vocab, variant.equals("flipped"));
      if (variant.equals("nan")) {
        pass.nanToken = vocab.indexOf("[CLS]");
      }
      loaded.add(pass);
      return new LoadedModel(new WhitespaceTokenizer(vocab), pass);
    }
  }

  /** Splits on whitespace, lower-cases, maps words to ids (unknown → [UNK]); one piece per word. */
  public static final class WhitespaceTokenizer implements TextTokenizer {
    private final List<String> vocab;

    public WhitespaceTokenizer(List<String> vocab) {
      this.vocab = List.copyOf(vocab);
    }

    @Override
    public WordPieces tokenize(String text) {
      List<int[]> tokens = new ArrayList<>(); // {id, start, end}
      int[] cps = text.codePoints().toArray();
      int i = 0;
      while (i < cps.length) {
        if (Character.isWhitespace(cps[i])) {
          i++;
          continue;
        }
        int start = i;
        while (i < cps.length && !Character.isWhitespace(cps[i])) {
          i++;
        }
        String word = new String(cps, start, i - start).toLowerCase(Locale.ROOT);
        int id = vocab.indexOf(word);
        tokens.add(new int[] {id < 0 ? unkId() : id, start, i});
      }
      int n = tokens.size();
      int[] ids = new int[n];
      int[] starts = new int[n];
      int[] ends = new int[n];
      int[] words = new int[n];
      for (int t = 0; t < n; t++) {
        ids[t] = tokens.get(t)[0];
        starts[t] = tokens.get(t)[1];
        ends[t] = tokens.get(t)[2];
        words[t] = t;
      }
      return new WordPieces(ids, starts, ends, words);
    }

    @Override
    public int vocabSize() {
      return vocab.size();
    }

    @Override
    public int clsId() {
      return vocab.indexOf("[CLS]");
    }

    @Override
    public int sepId() {
      return vocab.indexOf("[SEP]");
    }

    @Override
    public int padId() {
      return vocab.indexOf("[PAD]");
    }

    @Override
    public int unkId() {
      return vocab.indexOf("[UNK]");
    }

    @Override
    public int maskId() {
      return vocab.indexOf("[MASK]");
    }
  }

  /** The rule forward pass described on {@link TestModels}; records batch sizes and whether it was closed. */
  public static final class RuleForwardPass implements ForwardPass {
    private final int good;
    private final int boom;
    private final int alice;
    private final int bob;
    private final boolean flipped;
    public final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    public volatile boolean closed;
    /** When set, run() counts down {@code entered} and waits for {@code proceed} (in-flight tests). */
    public volatile CountDownLatch entered;
    public volatile CountDownLatch proceed;
    /** When set, run() throws it (fault-injection tests). */
    public volatile RuntimeException failWith;
    /** When set, run() throws it (an Error, e.g. OutOfMemoryError from native code). */
    public volatile Error errorWith;
    /** A text with this token id scores NaN (-1: none). */
    public volatile int nanToken = -1;
    /** run() sleeps this long per window (timing tests). */
    public volatile long sleepMsPerWindow;

    public RuleForwardPass(List<String> vocab, boolean flipped) {
      this.good = vocab.indexOf("good");
      this.boom = vocab.indexOf("boom");
      this.alice = vocab.indexOf("alice");
      this.bob = vocab.indexOf("bob");
      this.flipped = flipped;
    }

    public static RuleForwardPass standard() {
      return new RuleForwardPass(VOCAB, false);
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      if (closed) {
        throw new IllegalStateException("forward pass used after close");
      }
      RuntimeException failure = failWith;
      if (failure != null) {
        throw failure;
      }
      Error error = errorWith;
      if (error != null) {
        throw error;
      }
      if (sleepMsPerWindow > 0) {
        try {
          Thread.sleep(sleepMsPerWindow * batch);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      CountDownLatch in = entered;
      if (in != null) {
        in.countDown();
        try {
          proceed.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      batchSizes.add(batch);
      float[] pooled = new float[batch * 4];
      float[] classes = new float[batch * 2];
      float[] tokens = new float[batch * seqLen * 3];
      for (int b = 0; b < batch; b++) {
        boolean hasGood = false;
        boolean nan = false;
        for (int t = 0; t < seqLen; t++) {
          int id = inputIds[b * seqLen + t];
          nan |= id == nanToken && inputMask[b * seqLen + t] == 1;
          if (id == boom && inputMask[b * seqLen + t] == 1) {
            throw new IllegalStateException("boom: the forward pass cannot take this input");
          }
          hasGood |= id == good;
          boolean person = id == alice || id == bob;
          int at = (b * seqLen + t) * 3;
          tokens[at] = person ? 0.05f : 0.9f;
          tokens[at + 1] = person ? 0.9f : 0.05f;
          tokens[at + 2] = 0.05f;
          pooled[b * 4] += inputMask[b * seqLen + t];
        }
        float pos = hasGood ? 0.9f : 0.2f;
        if (flipped) {
          pos = 1f - pos;
        }
        if (nan) {
          pos = Float.NaN;
        }
        classes[b * 2] = 1f - pos;
        classes[b * 2 + 1] = pos;
      }
      return new ForwardResult(batch, seqLen, 4, 2, 3, pooled, classes, tokens);
    }

    @Override
    public int hiddenSize() {
      return 4;
    }

    @Override
    public int numClasses() {
      return 2;
    }

    @Override
    public int numTokenLabels() {
      return 3;
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public String toString() {
      return "RuleForwardPass" + Arrays.asList(flipped ? "flipped" : "standard");
    }
  }
}
