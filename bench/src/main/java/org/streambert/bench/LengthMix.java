package org.streambert.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.Vocab;

/**
 * Texts whose lengths follow the mix of issue 3 §6: lengths in word pieces including [CLS] and [SEP] fall 45% in
 * 3–16, 33% in 17–32, 20% in 33–64, 1.5% in 65–128 and 0.5% in 129–512 (the last exercises windows).
 *
 * <p>Real sentences when the team's shared datasets are found ({@code -Dshared.dir=...}, else {@code ../shared} or
 * {@code ../../shared}): wnut17 tweets and wikigold sentences, plus SQuAD v1.1 dev contexts and their sentences for
 * the long buckets; each bucket is filled by sampling (seeded) from the texts whose length falls in it. Otherwise
 * texts are generated from whole words of the vocabulary, each to a length drawn uniformly from its bucket.
 *
 * <p>The texts are in a stratified order (each next text from the bucket furthest below its share), so every prefix
 * follows the mix too: a time-boxed baseline that gets through only the first texts still sees the mix.
 */
final class LengthMix {

  /** A length bucket [min, max] in word pieces including [CLS] and [SEP], and its share of texts. */
  record Bucket(String name, int min, int max, double share) {
  }

  static final List<Bucket> BUCKETS = List.of(
      new Bucket("<=16", 3, 16, 0.45),
      new Bucket("17-32", 17, 32, 0.33),
      new Bucket("33-64", 33, 64, 0.20),
      new Bucket("65-128", 65, 128, 0.015),
      new Bucket("129-512", 129, 512, 0.005));

  /** The texts, their lengths (word pieces + 2) and a description of where they came from. */
  record Corpus(List<String> texts, int[] lengths, String source) {

    int size() {
      return texts.size();
    }

    /** The first {@code n} texts (a prefix still follows the mix). */
    Corpus prefix(int n) {
      return new Corpus(texts.subList(0, n), java.util.Arrays.copyOf(lengths, n), source);
    }

    /** Texts per bucket, e.g. {@code <=16: 180, 17-32: 132, ...}. */
    String histogram() {
      int[] counts = new int[BUCKETS.size()];
      for (int len : lengths) {
        counts[bucketOf(len)]++;
      }
      StringBuilder sb = new StringBuilder();
      for (int b = 0; b < counts.length; b++) {
        sb.append(b == 0 ? "" : ", ").append(BUCKETS.get(b).name()).append(": ").append(counts[b]);
      }
      return sb.append(String.format(Locale.ROOT, " (mean %.1f pieces)", mean())).toString();
    }

    double mean() {
      return java.util.Arrays.stream(lengths).average().orElse(0);
    }
  }

  private LengthMix() {
  }

  static int bucketOf(int length) {
    for (int b = 0; b < BUCKETS.size(); b++) {
      if (length <= BUCKETS.get(b).max()) {
        return b;
      }
    }
    return BUCKETS.size() - 1;
  }

  /** {@code n} texts following the mix; real sentences when the shared datasets are found. */
  static Corpus build(TextTokenizer tokenizer, Vocab vocab, int n, long seed) throws IOException {
    int[] order = stratifiedOrder(n);
    Path shared = findShared();
    Random random = new Random(seed);
    List<List<String>> pools = new ArrayList<>();
    String source;
    if (shared != null) {
      List<List<String>> byBucket = realTextsByBucket(shared, tokenizer);
      pools.addAll(byBucket);
      source = "real sentences from " + shared.resolve("datasets")
          + " (wnut17 tweets, wikigold sentences; SQuAD v1.1 dev contexts and sentences for 65-512)";
    } else {
      source = "generated from whole words of the vocabulary (shared datasets not found; set -Dshared.dir)";
    }
    List<String> texts = new ArrayList<>(n);
    int[] lengths = new int[n];
    List<String> words = shared == null ? vocabWords(vocab) : List.of();
    for (int i = 0; i < n; i++) {
      Bucket bucket = BUCKETS.get(order[i]);
      String text;
      if (shared != null) {
        List<String> pool = pools.get(order[i]);
        if (pool.isEmpty()) {
          throw new IllegalStateException("no shared-dataset text of " + bucket.name() + " word pieces");
        }
        // Without replacement while the pool lasts.
        text = pool.size() > 1 ? pool.remove(random.nextInt(pool.size())) : pool.get(0);
      } else {
        int target = bucket.min() + random.nextInt(bucket.max() - bucket.min() + 1);
        text = generated(words, target - 2, random);
      }
      texts.add(text);
      lengths[i] = tokenizer.tokenize(text).size() + 2;
      if (lengths[i] < bucket.min() || lengths[i] > bucket.max()) {
        throw new IllegalStateException("text of " + lengths[i] + " pieces drawn for bucket " + bucket.name());
      }
    }
    return new Corpus(List.copyOf(texts), lengths, source);
  }

  /** Bucket indices in an order whose every prefix is as close to the shares as counts allow. */
  static int[] stratifiedOrder(int n) {
    int[] order = new int[n];
    int[] taken = new int[BUCKETS.size()];
    for (int i = 0; i < n; i++) {
      int best = 0;
      double bestDeficit = Double.NEGATIVE_INFINITY;
      for (int b = 0; b < BUCKETS.size(); b++) {
        double deficit = BUCKETS.get(b).share() * (i + 1) - taken[b];
        if (deficit > bestDeficit) {
          best = b;
          bestDeficit = deficit;
        }
      }
      order[i] = best;
      taken[best]++;
    }
    return order;
  }

  static Path findShared() {
    String configured = System.getProperty("shared.dir");
    List<Path> candidates = configured != null ? List.of(Path.of(configured))
        : List.of(Path.of("..", "shared"), Path.of("..", "..", "shared"));
    for (Path p : candidates) {
      if (Files.isDirectory(p.resolve("datasets"))) {
        return p.toAbsolutePath().normalize();
      }
    }
    return null;
  }

  private static List<List<String>> realTextsByBucket(Path shared, TextTokenizer tokenizer) throws IOException {
    Path datasets = shared.resolve("datasets");
    Set<String> all = new LinkedHashSet<>();
    for (String f : List.of("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated")) {
      Path p = datasets.resolve("wnut17").resolve(f);
      if (Files.isRegularFile(p)) {
        all.addAll(conllSentences(p, "\t"));
      }
    }
    Path wikigold = datasets.resolve("wikigold/wikigold.conll.txt");
    if (Files.isRegularFile(wikigold)) {
      all.addAll(conllSentences(wikigold, " "));
    }
    Path squad = datasets.resolve("squad_v1.1/dev-v1.1.json");
    if (Files.isRegularFile(squad)) {
      JsonNode root = new ObjectMapper().readTree(squad.toFile());
      for (JsonNode article : root.get("data")) {
        for (JsonNode paragraph : article.get("paragraphs")) {
          String context = paragraph.get("context").asText();
          all.add(context);
          // Sentences of the context fill the 33-128 buckets that tweets and wikigold rarely reach.
          for (String sentence : context.split("(?<=[.!?])\\s+(?=[A-Z])")) {
            all.add(sentence);
          }
        }
      }
    }
    List<List<String>> byBucket = new ArrayList<>();
    for (int b = 0; b < BUCKETS.size(); b++) {
      byBucket.add(new ArrayList<>());
    }
    for (String text : all) {
      if (text.isBlank()) {
        continue;
      }
      int length = tokenizer.tokenize(text).size() + 2;
      if (length >= BUCKETS.get(0).min() && length <= BUCKETS.get(BUCKETS.size() - 1).max()) {
        byBucket.get(bucketOf(length)).add(text);
      }
    }
    return byBucket;
  }

  /** Sentences of a token-per-line CoNLL file, tokens joined by spaces (blank line = sentence end). */
  static List<String> conllSentences(Path file, String separator) throws IOException {
    List<String> sentences = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        if (sb.length() > 0) {
          sentences.add(sb.toString());
          sb.setLength(0);
        }
        continue;
      }
      String token = line.split(separator, 2)[0];
      if (token.equals("-DOCSTART-")) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(token);
    }
    if (sb.length() > 0) {
      sentences.add(sb.toString());
    }
    return sentences;
  }

  /** Whole lower-case words of the vocabulary (each is one word piece). */
  private static List<String> vocabWords(Vocab vocab) {
    List<String> words = new ArrayList<>();
    for (String token : vocab.tokens()) {
      if (token.length() >= 2 && token.chars().allMatch(c -> c >= 'a' && c <= 'z')) {
        words.add(token);
      }
    }
    return words;
  }

  /** {@code pieces - 1} vocabulary words and a full stop: exactly {@code pieces} word pieces. */
  private static String generated(List<String> words, int pieces, Random random) {
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < pieces - 1; w++) {
      sb.append(w == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
    }
    return sb.append(pieces == 1 ? "." : " .").toString().strip();
  }
}
