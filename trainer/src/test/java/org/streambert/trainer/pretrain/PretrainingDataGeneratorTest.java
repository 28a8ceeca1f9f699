package org.streambert.trainer.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

class PretrainingDataGeneratorTest {
  private static final WordPieceTokenizer TOPIC_TOKENIZER = TopicCorpus.tokenizer();
  private static final Vocab TOPIC_VOCAB = TOPIC_TOKENIZER.vocab();

  /** Long sequences and a generous cap, so that 15% of each sequence is what gets predicted. */
  private static List<PretrainingInstance> topicInstances(boolean wholeWord) {
    PretrainingDataOptions o = PretrainingDataOptions.DEFAULTS.withMaxSeqLength(64).withMaxPredictionsPerSeq(64)
        .withDupeFactor(6).withWholeWordMask(wholeWord).withSeed(7);
    return new PretrainingDataGenerator(TOPIC_TOKENIZER, o).generate(TopicCorpus.documents(200, 1));
  }

  @Test
  void shouldPredictFifteenPercentOfPositionsAndNeverSpecialTokens() {
    long tokens = 0;
    long predicted = 0;
    for (PretrainingInstance in : topicInstances(false)) {
      tokens += in.length();
      predicted += in.maskedPositions().length;
      for (int p : in.maskedPositions()) {
        int original = in.maskedLabels()[indexOf(in.maskedPositions(), p)];
        assertNotEquals(TOPIC_VOCAB.clsId(), original, "masked [CLS] in " + in);
        assertNotEquals(TOPIC_VOCAB.sepId(), original, "masked [SEP] in " + in);
        assertTrue(p > 0 && p < in.length() - 1);
      }
    }
    double rate = (double) predicted / tokens;
    // round(n * 0.15) per sequence: rounding moves the mean by < 0.5 / mean length (~1%).
    assertEquals(0.15, rate, 0.01, "predicted " + predicted + " of " + tokens);
  }

  @Test
  void shouldReplaceEightyPercentWithMaskTenWithRandomTokensAndKeepTen() {
    long masked = 0;
    long kept = 0;
    long random = 0;
    for (PretrainingInstance in : topicInstances(false)) {
      for (int k = 0; k < in.maskedPositions().length; k++) {
        int now = in.inputIds()[in.maskedPositions()[k]];
        if (now == TOPIC_VOCAB.maskId()) {
          masked++;
        } else if (now == in.maskedLabels()[k]) {
          kept++;
        } else {
          random++;
        }
      }
    }
    double n = masked + kept + random;
    assertTrue(n > 10_000, "too few predictions for the statistics: " + n);
    // A random replacement equals the original with probability 1/V, so "kept" is 0.1 + 0.1/V.
    double v = TOPIC_VOCAB.size();
    assertEquals(0.8, masked / n, 0.015);
    assertEquals(0.1 + 0.1 / v, kept / n, 0.01);
    assertEquals(0.1 - 0.1 / v, random / n, 0.01);
  }

  @Test
  void shouldMaskEveryPieceOfAWordTogetherWithWholeWordMasking() {
    int play = TOPIC_VOCAB.id("play");
    int continuation1 = TOPIC_VOCAB.id("##ing");
    int continuation2 = TOPIC_VOCAB.id("##ed");
    int splitWordsPredicted = 0;
    for (PretrainingInstance in : topicInstances(true)) {
      int[] original = in.inputIds().clone();
      for (int k = 0; k < in.maskedPositions().length; k++) {
        original[in.maskedPositions()[k]] = in.maskedLabels()[k];
      }
      List<Integer> predicted = new ArrayList<>();
      for (int p : in.maskedPositions()) {
        predicted.add(p);
      }
      for (int i = 0; i + 1 < original.length; i++) {
        boolean split = original[i] == play && (original[i + 1] == continuation1 || original[i + 1] == continuation2);
        if (split) {
          assertEquals(predicted.contains(i), predicted.contains(i + 1),
              "'play' and its continuation piece must be predicted together at " + i + " in " + in);
          splitWordsPredicted += predicted.contains(i) ? 1 : 0;
        }
      }
    }
    assertTrue(splitWordsPredicted > 50, "too few split words predicted to tell: " + splitWordsPredicted);
  }

  @Test
  void shouldMaskPiecesIndependentlyWithoutWholeWordMasking() {
    int play = TOPIC_VOCAB.id("play");
    int apart = 0;
    for (PretrainingInstance in : topicInstances(false)) {
      List<Integer> predicted = new ArrayList<>();
      for (int p : in.maskedPositions()) {
        predicted.add(p);
      }
      for (int k = 0; k < in.maskedPositions().length; k++) {
        int p = in.maskedPositions()[k];
        if (in.maskedLabels()[k] == play && !predicted.contains(p + 1)) {
          apart++;
        }
      }
    }
    assertTrue(apart > 0, "some 'play' piece should be predicted without its continuation");
  }

  @Test
  void shouldDrawTheNextSegmentFromAnotherDocumentForAboutHalfThePairs() {
    List<PretrainingInstance> all = topicInstances(false);
    long random = all.stream().filter(PretrainingInstance::isRandomNext).count();
    double rate = (double) random / all.size();
    // Chunks of a single sentence are always NotNext in the reference, which pushes the rate slightly above 0.5.
    assertTrue(rate > 0.47 && rate < 0.58, "NotNext rate " + rate + " of " + all.size());
  }

  /**
   * Documents whose sentences are unique words "dXsYa dXsYb dXsYc" so every token says where it came from: A is a
   * run of consecutive tokens of one document; B continues it (IsNext) or comes from another document (NotNext).
   */
  @Test
  void shouldBuildIsNextPairsFromConsecutiveTextAndNotNextFromOtherDocuments() {
    List<String> words = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    List<String> docs = new ArrayList<>();
    for (int d = 0; d < 20; d++) {
      StringBuilder doc = new StringBuilder();
      for (int s = 0; s < 10; s++) {
        for (char c : new char[] {'a', 'b', 'c'}) {
          words.add("d" + d + "s" + s + c);
          doc.append("d").append(d).append('s').append(s).append(c).append(' ');
        }
        doc.append('\n');
      }
      docs.add(doc.toString());
    }
    Vocab vocab = Vocab.of(words);
    PretrainingDataOptions o = PretrainingDataOptions.DEFAULTS.withMaxSeqLength(20).withDupeFactor(2);
    List<PretrainingInstance> instances = new PretrainingDataGenerator(new WordPieceTokenizer(vocab, true), o)
        .generate(docs);
    assertFalse(instances.isEmpty());
    for (PretrainingInstance in : instances) {
      assertTrue(in.length() <= 20, "too long: " + in);
      int[] t = in.inputIds().clone();
      for (int k = 0; k < in.maskedPositions().length; k++) {
        t[in.maskedPositions()[k]] = in.maskedLabels()[k];
      }
      int sep = indexOf(t, vocab.sepId());
      int[] a = java.util.Arrays.copyOfRange(t, 1, sep);
      int[] b = java.util.Arrays.copyOfRange(t, sep + 1, t.length - 1);
      assertTrue(a.length >= 1 && b.length >= 1, "empty segment in " + in);
      assertEquals(0, in.segmentIds()[sep]);
      assertEquals(1, in.segmentIds()[sep + 1]);
      assertConsecutive(a, vocab);
      assertConsecutive(b, vocab);
      int lastA = a[a.length - 1];
      int firstB = b[0];
      boolean sameDoc = doc(vocab, lastA) == doc(vocab, firstB);
      if (in.isRandomNext()) {
        assertFalse(sameDoc, "NotNext B from A's own document: " + in);
      } else {
        // Truncation may remove tokens at A's back or B's front, but B still starts after A ends.
        assertTrue(sameDoc && firstB > lastA, "IsNext B does not follow A: " + in);
      }
    }
  }

  @Test
  void shouldProduceTheSameInstancesForTheSameSeed() {
    assertEquals(topicInstances(false), topicInstances(false));
  }

  @Test
  void shouldSometimesTargetShorterSequences() {
    PretrainingDataOptions o = PretrainingDataOptions.DEFAULTS.withMaxSeqLength(64).withDupeFactor(5);
    List<PretrainingInstance> all = new PretrainingDataGenerator(TOPIC_TOKENIZER, o)
        .generate(TopicCorpus.documents(100, 3));
    // Sentences are 7-8 tokens, so a full-length target yields pairs of at least ~4 sentences; pairs of at most two
    // sentences (<= 19 tokens) come from short targets (or from a document's end).
    long shortOnes = all.stream().filter(i -> i.length() <= 19).count();
    assertTrue(shortOnes > 0 && shortOnes < all.size() / 3, shortOnes + " short of " + all.size());
    assertTrue(all.stream().allMatch(i -> i.length() <= 64));
  }

  @Test
  void shouldReadBlankLineSeparatedDocuments(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("corpus.txt");
    Files.writeString(f, "the cat eats the rice .\nthe dog sees the milk .\n\n\nthe king takes the gold .\n");
    assertEquals(List.of("the cat eats the rice .\nthe dog sees the milk .\n", "the king takes the gold .\n"),
        PretrainingDataGenerator.readDocuments(List.of(f)));
  }

  private static void assertConsecutive(int[] ids, Vocab vocab) {
    for (int i = 1; i < ids.length; i++) {
      assertEquals(doc(vocab, ids[i - 1]), doc(vocab, ids[i]), "segment spans documents");
      assertEquals(ids[i - 1] + 1, ids[i], "segment skips text: " + java.util.Arrays.toString(ids));
    }
  }

  private static int doc(Vocab vocab, int id) {
    String w = vocab.token(id);
    return Integer.parseInt(w.substring(1, w.indexOf('s')));
  }

  private static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
