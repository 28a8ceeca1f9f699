package org.streambert.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.HfReference;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * Throughput of {@link WordPieceTokenizer} against Hugging Face tokenizers through DJL (the same BERT pipeline
 * over the same uncased vocab.txt), one text at a time and in batches of 64, on short English sentences, in
 * this process, after warm-up. Prints texts/s, word pieces/s and our/HF ratios.
 *
 * <p>Corpora: {@code generated} (seeded template sentences, always available) and, when the team's shared
 * datasets are found ({@code -Dshared.dir=...}, else {@code ../shared} or {@code ../../shared}), {@code wnut17}
 * tweets and {@code wikigold} Wikipedia sentences. Arguments: {@code [seconds per measurement, default 3]}.
 */
public final class TokenizerBench {

  private static final int BATCH = 64;
  private static final int MAX_LENGTH = 512;
  private static final int ROUNDS = 5;

  private TokenizerBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
    Path vocabTxt = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot())
        .resolve("assets").resolve("vocab.txt");
    WordPieceTokenizer ours = WordPieceTokenizer.fromVocabFile(vocabTxt, true);
    Map<String, List<String>> corpora = new LinkedHashMap<>();
    corpora.put("generated", generatedSentences(4_096, 42L));
    Path shared = LengthMix.findShared();
    if (shared == null) {
      System.out.println("shared datasets not found (set -Dshared.dir=/path/to/shared): skipping wnut17 and wikigold");
    } else {
      corpora.put("wnut17", LengthMix.conllSentences(shared.resolve("datasets/wnut17/wnut17train.conll"), "\t"));
      corpora.put("wikigold", LengthMix.conllSentences(shared.resolve("datasets/wikigold/wikigold.conll.txt"), " "));
    }
    System.out.printf(Locale.ROOT, "java %s, %d cpus; %.1f s per measurement, median of %d rounds%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), seconds, ROUNDS);
    Path dir = Files.createTempDirectory("tokenizer-bench");
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(HfReference.writeTokenizerJson(vocabTxt, true, dir),
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"))) {
      for (Map.Entry<String, List<String>> corpus : corpora.entrySet()) {
        run(corpus.getKey(), corpus.getValue(), ours, hf, seconds);
      }
    } finally {
      Files.deleteIfExists(dir.resolve("tokenizer.json"));
      Files.deleteIfExists(dir);
    }
  }

  private static void run(String name, List<String> texts, WordPieceTokenizer ours, HuggingFaceTokenizer hf,
      double seconds) {
    String[] array = texts.toArray(new String[0]);
    long pieces = 0;
    long chars = 0;
    for (String t : array) {
      pieces += ours.tokenize(t).size();
      chars += t.length();
    }
    double piecesPerText = (double) pieces / array.length;
    System.out.printf(Locale.ROOT, "%n== %s: %d texts, %.1f chars and %.1f word pieces per text on average%n", name,
        array.length, (double) chars / array.length, piecesPerText);
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i + BATCH <= array.length; i += BATCH) {
      batches.add(Arrays.asList(array).subList(i, i + BATCH));
    }
    IntUnaryOperator hfSingle = i -> hf.encode(array[i % array.length]).getIds().length;
    IntUnaryOperator hfBatch = i -> {
      ai.djl.huggingface.tokenizers.Encoding[] es = hf.batchEncode(batches.get(i % batches.size()));
      return es.length;
    };
    IntUnaryOperator oursSingle = i -> ours.encode(array[i % array.length], MAX_LENGTH).size();
    IntUnaryOperator oursBatch = i -> {
      int n = 0;
      for (String t : batches.get(i % batches.size())) {
        Encoding e = ours.encode(t, MAX_LENGTH);
        n += e.size() > 0 ? 1 : 0;
      }
      return n;
    };
    double hfOne = measure(hfSingle, 1, seconds);
    double hfMany = measure(hfBatch, BATCH, seconds);
    double oursOne = measure(oursSingle, 1, seconds);
    double oursMany = measure(oursBatch, BATCH, seconds);
    line("HF tokenizers (DJL), one at a time", hfOne, piecesPerText);
    line("HF tokenizers (DJL), batches of 64", hfMany, piecesPerText);
    line("WordPieceTokenizer, one at a time", oursOne, piecesPerText);
    line("WordPieceTokenizer, batches of 64", oursMany, piecesPerText);
    System.out.printf(Locale.ROOT, "ratio ours/HF: one at a time %.1fx, batches of 64 %.1fx (ours one at a time vs HF"
        + " batches %.1fx)%n", oursOne / hfOne, oursMany / hfMany, oursOne / hfMany);
  }

  private static void line(String what, double textsPerSecond, double piecesPerText) {
    System.out.printf(Locale.ROOT, "%-38s %,12.0f texts/s %,14.0f word pieces/s%n", what, textsPerSecond,
        textsPerSecond * piecesPerText);
  }

  /** Texts per second: warm-up, then the median of {@link #ROUNDS} timed rounds. */
  static double measure(IntUnaryOperator call, int textsPerCall, double seconds) {
    long sink = 0;
    long warmUpEnd = System.nanoTime() + (long) (seconds * 1e9);
    int i = 0;
    while (System.nanoTime() < warmUpEnd) {
      sink += call.applyAsInt(i++);
    }
    double[] rates = new double[ROUNDS];
    long roundNanos = (long) (seconds * 1e9 / ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
      long start = System.nanoTime();
      long end = start + roundNanos;
      long calls = 0;
      long now;
      do {
        sink += call.applyAsInt(i++);
        calls++;
      } while ((now = System.nanoTime()) < end);
      rates[r] = calls * textsPerCall / ((now - start) / 1e9);
    }
    if (sink == 42) {
      System.out.print("");
    }
    Arrays.sort(rates);
    return rates[ROUNDS / 2];
  }


  private static final String[] NAMES = {"Alice", "Bob", "Dr. Chen", "Maria", "the committee", "Google", "Berlin",
      "The New York Times", "our team", "Mr. O'Neill", "the Kafka cluster", "NASA", "Zoë", "José"};
  private static final String[] VERBS = {"announced", "reported", "denied", "confirmed", "released", "visited",
      "criticized", "launched", "reviewed", "rejected", "signed", "postponed", "celebrated", "investigated"};
  private static final String[] OBJECTS = {"a new policy", "the quarterly results", "an updated version",
      "the final report", "a major partnership", "the proposal", "three new stores", "its annual conference",
      "the long-awaited sequel", "a $2.5 billion deal", "the 2019 election results", "an experimental vaccine"};
  private static final String[] TAILS = {"on Tuesday", "last week", "in London", "after months of talks",
      "despite strong opposition", "according to officials", "earlier this year", "for the first time",
      "amid growing concerns", "with little explanation", "in a statement", "before the deadline"};
  private static final String[] OPENERS = {"", "", "", "Meanwhile, ", "However, ", "On Friday, ", "In 2021, ",
      "Surprisingly, ", "According to reports, "};
  private static final String[] ENDS = {".", ".", ".", "!", "?", "...", " :)", " #news", " @reuters"};

  /** Seeded template sentences: short, English, with names, numbers and punctuation. */
  static List<String> generatedSentences(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      sb.append(pick(r, OPENERS)).append(pick(r, NAMES)).append(' ').append(pick(r, VERBS)).append(' ')
          .append(pick(r, OBJECTS)).append(' ').append(pick(r, TAILS));
      if (r.nextInt(3) == 0) {
        sb.append(", and ").append(pick(r, NAMES).toLowerCase(Locale.ROOT)).append(' ').append(pick(r, VERBS))
            .append(' ').append(pick(r, OBJECTS));
      }
      sb.append(pick(r, ENDS));
      if (sb.charAt(0) >= 'a' && sb.charAt(0) <= 'z') {
        sb.setCharAt(0, Character.toUpperCase(sb.charAt(0)));
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static String pick(SplittableRandom r, String[] options) {
    return options[r.nextInt(options.length)];
  }
}
