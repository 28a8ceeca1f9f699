package org.streambert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.TinyTokenizerFiles;

/**
 * Tokenizer speed of each family on the same texts, one text at a time through {@link TextTokenizer#tokenize} (what
 * serving calls: ids and code point offsets): bert-base-uncased's WordPiece on the pure-Java tokenizer and on the
 * Hugging Face library, roberta-base's byte-level BPE and t5-small's SentencePiece Unigram (Precompiled normaliser and
 * Metaspace: XLM-R's machinery) on the library, from the team's {@code shared/fixtures/tokenizers}. Prints texts/s,
 * pieces per text, the load average beside every figure, and the CPU.
 *
 * <p>Corpora: {@code generated} (seeded English template sentences) and, with the shared datasets, {@code wikigold}
 * sentences; and an XLM-R-sized synthetic Unigram (250,002 pieces): load time, peak RSS, speed. Arguments:
 * {@code [seconds per measurement, default 2]}; {@code -Dshared.dir=DIR} to find the shared folder.
 */
public final class FamilyTokenizerBench {

  private FamilyTokenizerBench() {}

  /**
   * Loading an XLM-R-sized Unigram: a synthetic {@code tokenizer.json} of 250,002 pieces (xlm-roberta-base's count;
   * its real file is not reachable here), Metaspace and XLM-R's template. Prints the file size, the load time (Java
   * checks plus the native build), the process's peak RSS before and after, and the tokenizer's speed.
   */
  private static void xlmRobertaSized(List<String> texts, double seconds) throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    Map<String, Double> pieces = new LinkedHashMap<>();
    String letters = "abcdefghijklmnopqrstuvwxyz";
    while (pieces.size() < 250_002 - 5) {
      StringBuilder b = new StringBuilder(random.nextInt(3) == 0 ? "" : "\u2581");
      int n = 1 + random.nextInt(8);
      for (int i = 0; i < n; i++) {
        b.append(letters.charAt(random.nextInt(letters.length())));
      }
      pieces.putIfAbsent(b.toString(), -1 - 15 * random.nextDouble());
    }
    for (char c : letters.toCharArray()) {
      pieces.put(String.valueOf(c), -20.0);
    }
    Path dir = Files.createTempDirectory("xlmr-sized");
    Path file = TinyTokenizerFiles.write(dir, TinyTokenizerFiles.unigram(pieces, true));
    pieces = null;
    System.gc();
    String rssBefore = status("VmRSS:");
    Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS
    long start = System.nanoTime();
    try (TextTokenizer t = TextTokenizers.load(dir)) {
      double loadSeconds = (System.nanoTime() - start) / 1e9;
      System.gc();
      System.out.printf(Locale.ROOT, "%n== XLM-R-sized Unigram (synthetic, %,d ids, %.1f MB tokenizer.json): loaded in "
          + "%.2f s; RSS %s before, peak RSS %s while loading, RSS %s after; load %s%n", t.vocabSize(),
          Files.size(file) / 1e6, loadSeconds, rssBefore, status("VmHWM:"), status("VmRSS:"),
          BenchSupport.loadAverage());
      String[] array = texts.toArray(new String[0]);
      double rate = TokenizerBench.measure(i -> t.tokenize(array[i % array.length]).size(), 1, seconds);
      System.out.printf(Locale.ROOT, "%-42s %,10.0f texts/s  load %s%n", "Unigram 250,002 pieces, HF library", rate,
          BenchSupport.loadAverage());
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** A field of /proc/self/status ({@code VmRSS:} resident set, {@code VmHWM:} its peak). */
  private static String status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field)) {
        return line.substring(field.length()).trim();
      }
    }
    return "unknown";
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
    Path shared = LengthMix.findShared();
    if (shared == null || !Files.isDirectory(shared.resolve("fixtures/tokenizers"))) {
      System.out.println("shared/fixtures/tokenizers not found (set -Dshared.dir=/path/to/shared): nothing to measure");
      return;
    }
    Path fixtures = shared.resolve("fixtures/tokenizers");
    Map<String, List<String>> corpora = new LinkedHashMap<>();
    corpora.put("generated", TokenizerBench.generatedSentences(4_096, 42L));
    Path wikigold = shared.resolve("datasets/wikigold/wikigold.conll.txt");
    if (Files.isRegularFile(wikigold)) {
      corpora.put("wikigold", LengthMix.conllSentences(wikigold, " "));
    }
    System.out.printf(Locale.ROOT, "java %s, %d cpus, %s; %.1f s per measurement%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), BenchSupport.cpu(),
        seconds);
    Path bert = fixtures.resolve("bert-base-uncased");
    try (TextTokenizer wordPieceJava = TextTokenizers.load(bert);
        TextTokenizer wordPieceNative = TextTokenizers.loadNative(bert);
        TextTokenizer bpe = TextTokenizers.load(fixtures.resolve("roberta-base"));
        TextTokenizer unigram = TextTokenizers.load(fixtures.resolve("t5-small"))) {
      Map<String, TextTokenizer> tokenizers = new LinkedHashMap<>();
      tokenizers.put("WordPiece bert-base-uncased, pure Java", wordPieceJava);
      tokenizers.put("WordPiece bert-base-uncased, HF library", wordPieceNative);
      tokenizers.put("byte-level BPE roberta-base, HF library", bpe);
      tokenizers.put("Unigram t5-small (XLM-R's kind), HF lib", unigram);
      xlmRobertaSized(corpora.get("generated"), seconds);
      for (Map.Entry<String, List<String>> corpus : corpora.entrySet()) {
        String[] texts = corpus.getValue().toArray(new String[0]);
        long chars = 0;
        for (String t : texts) {
          chars += t.length();
        }
        System.out.printf(Locale.ROOT, "%n== %s: %d texts, %.1f chars per text%n", corpus.getKey(), texts.length,
            (double) chars / texts.length);
        for (Map.Entry<String, TextTokenizer> e : tokenizers.entrySet()) {
          TextTokenizer t = e.getValue();
          long pieces = 0;
          for (String text : texts) {
            pieces += t.tokenize(text).size();
          }
          IntUnaryOperator call = i -> t.tokenize(texts[i % texts.length]).size();
          double rate = TokenizerBench.measure(call, 1, seconds);
          System.out.printf(Locale.ROOT, "%-42s %,10.0f texts/s  %5.1f pieces/text  load %s%n", e.getKey(), rate,
              (double) pieces / texts.length, BenchSupport.loadAverage());
        }
      }
    }
  }
}
