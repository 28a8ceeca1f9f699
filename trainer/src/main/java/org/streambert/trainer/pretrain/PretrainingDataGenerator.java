package org.streambert.trainer.pretrain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * Masked-LM and next-sentence instances from documents, following google-research/bert
 * {@code create_pretraining_data.py} step for step (with its own seeded RNG, so not the same draws as Python's):
 *
 * <ul>
 *   <li>documents are lists of sentences (one per line); blank lines separate documents in text files;</li>
 *   <li>per document, sentences are packed into chunks up to a target length ({@code maxSeqLength - 3}, or with
 *       probability {@code shortSeqProb} a random length in [2, that]); a random split point makes segment A;
 *       with probability 0.5 (always when the chunk has one sentence) segment B is taken from a random other
 *       document (NotNext) and the chunk's unused sentences are put back for the next instance; otherwise B is the
 *       rest of the chunk (IsNext);</li>
 *   <li>the pair is truncated to fit by removing tokens from the longer segment, at its front or back at random
 *       ({@code truncate_seq_pair});</li>
 *   <li>{@code max(1, round(length * maskedLmProb))} positions (at most {@code maxPredictionsPerSeq}), never [CLS] or
 *       [SEP], are chosen for prediction; each becomes [MASK] with probability 0.8, stays as it was with 0.1, and
 *       becomes a uniformly random vocabulary id with 0.1. With whole-word masking the candidates are whole words
 *       (a piece and its continuation pieces), chosen together or not at all.</li>
 * </ul>
 *
 * <p>Whole words come from the tokenizer's word indexes (pieces of one word share one), which is what
 * create_pretraining_data.py approximates with the {@code ##} prefix. Not thread-safe (one RNG); cheap to create.
 */
public final class PretrainingDataGenerator {
  private final TextTokenizer tokenizer;
  private final PretrainingDataOptions options;
  private final Random rng;

  public PretrainingDataGenerator(TextTokenizer tokenizer, PretrainingDataOptions options) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.options = Objects.requireNonNull(options, "options");
    this.rng = new Random(options.seed());
  }

  /**
   * Reads documents from text files: one sentence per line, blank lines between documents (the input format of
   * create_pretraining_data.py). Each returned document is its sentences joined by '\n'.
   */
  public static List<String> readDocuments(List<Path> files) {
    List<String> docs = new ArrayList<>();
    for (Path f : files) {
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        StringBuilder current = new StringBuilder();
        for (String line; (line = r.readLine()) != null; ) {
          if (line.isBlank()) {
            if (!current.isEmpty()) {
              docs.add(current.toString());
              current.setLength(0);
            }
          } else {
            current.append(line.strip()).append('\n');
          }
        }
        if (!current.isEmpty()) {
          docs.add(current.toString());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f, e);
      }
    }
    return docs;
  }

  /**
   * Instances from documents, each document a string with one sentence per line (e.g. records of an unlabelled
   * topic, or {@link #readDocuments}). Documents and sentences without tokens are dropped; the documents are
   * shuffled, {@code dupeFactor} passes are made, and the instances are shuffled (as the reference does).
   *
   * @throws IllegalArgumentException when no document has a token
   */
  public List<PretrainingInstance> generate(Iterable<String> documents) {
    List<List<int[]>> all = new ArrayList<>();
    for (String doc : documents) {
      if (doc == null) {
        continue;
      }
      List<int[]> sentences = new ArrayList<>();
      for (String line : doc.split("\\R")) {
        WordPieces p = tokenizer.tokenize(line.strip());
        if (p.size() > 0) {
          sentences.add(encode(p));
        }
      }
      if (!sentences.isEmpty()) {
        all.add(sentences);
      }
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no document has any token to pre-train on");
    }
    Collections.shuffle(all, rng);
    List<PretrainingInstance> instances = new ArrayList<>();
    for (int pass = 0; pass < options.dupeFactor(); pass++) {
      for (int d = 0; d < all.size(); d++) {
        fromDocument(all, d, instances);
      }
    }
    Collections.shuffle(instances, rng);
    return instances;
  }

  /** Pieces as {@code id << 1 | startsWord}: the word boundary travels with the token through truncation. */
  private static int[] encode(WordPieces p) {
    int[] out = new int[p.size()];
    for (int i = 0; i < p.size(); i++) {
      boolean startsWord = i == 0 || p.wordIndex()[i] != p.wordIndex()[i - 1];
      out[i] = p.ids()[i] << 1 | (startsWord ? 1 : 0);
    }
    return out;
  }

  // create_pretraining_data.py: create_instances_from_document
  private void fromDocument(List<List<int[]>> all, int docIndex, List<PretrainingInstance> out) {
    List<int[]> document = all.get(docIndex);
    int maxNumTokens = options.maxSeqLength() - 3;
    int targetLength = maxNumTokens;
    if (rng.nextDouble() < options.shortSeqProb()) {
      targetLength = randInt(2, maxNumTokens);
    }
    List<int[]> chunk = new ArrayList<>();
    int chunkLength = 0;
    int i = 0;
    while (i < document.size()) {
      int[] segment = document.get(i);
      chunk.add(segment);
      chunkLength += segment.length;
      if (i == document.size() - 1 || chunkLength >= targetLength) {
        int aEnd = chunk.size() >= 2 ? randInt(1, chunk.size() - 1) : 1;
        List<Integer> a = new ArrayList<>();
        for (int j = 0; j < aEnd; j++) {
          addAll(a, chunk.get(j));
        }
        List<Integer> b = new ArrayList<>();
        boolean randomNext;
        if (chunk.size() == 1 || rng.nextDouble() < 0.5) {
          randomNext = true;
          int targetB = targetLength - a.size();
          int other = docIndex;
          for (int attempt = 0; attempt < 10; attempt++) {
            other = randInt(0, all.size() - 1);
            if (other != docIndex) {
              break;
            }
          }
          List<int[]> randomDoc = all.get(other);
          for (int j = randInt(0, randomDoc.size() - 1); j < randomDoc.size(); j++) {
            addAll(b, randomDoc.get(j));
            if (b.size() >= targetB) {
              break;
            }
          }
          i -= chunk.size() - aEnd; // put the unused sentences back
        } else {
          randomNext = false;
          for (int j = aEnd; j < chunk.size(); j++) {
            addAll(b, chunk.get(j));
          }
        }
        truncatePair(a, b, maxNumTokens);
        out.add(instance(a, b, randomNext));
        chunk = new ArrayList<>();
        chunkLength = 0;
      }
      i++;
    }
  }

  // create_pretraining_data.py: truncate_seq_pair
  private void truncatePair(List<Integer> a, List<Integer> b, int maxNumTokens) {
    while (a.size() + b.size() > maxNumTokens) {
      List<Integer> longer = a.size() > b.size() ? a : b;
      // Removing at the front or the back at random avoids a bias towards sentence ends.
      if (rng.nextDouble() < 0.5) {
        longer.remove(0);
      } else {
        longer.remove(longer.size() - 1);
      }
    }
  }

  private PretrainingInstance instance(List<Integer> a, List<Integer> b, boolean randomNext) {
    int n = a.size() + b.size() + 3;
    int[] ids = new int[n];
    int[] segments = new int[n];
    boolean[] startsWord = new boolean[n];
    boolean[] special = new boolean[n];
    int p = 0;
    ids[p] = tokenizer.clsId();
    special[p++] = true;
    for (int t : a) {
      ids[p] = t >>> 1;
      startsWord[p++] = (t & 1) == 1;
    }
    ids[p] = tokenizer.sepId();
    special[p++] = true;
    for (int t : b) {
      ids[p] = t >>> 1;
      segments[p] = 1;
      startsWord[p++] = (t & 1) == 1;
    }
    ids[p] = tokenizer.sepId();
    segments[p] = 1;
    special[p] = true;
    return mask(ids, segments, startsWord, special, randomNext);
  }

  // create_pretraining_data.py: create_masked_lm_predictions
  private PretrainingInstance mask(int[] tokens, int[] segments, boolean[] startsWord, boolean[] special,
      boolean randomNext) {
    List<List<Integer>> candidates = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      if (special[i]) {
        continue;
      }
      List<Integer> last = candidates.isEmpty() ? null : candidates.get(candidates.size() - 1);
      if (options.wholeWordMask() && !startsWord[i] && last != null && last.get(last.size() - 1) == i - 1) {
        last.add(i);
      } else {
        List<Integer> group = new ArrayList<>();
        group.add(i);
        candidates.add(group);
      }
    }
    Collections.shuffle(candidates, rng);
    int[] output = tokens.clone();
    // Python's round() rounds half to even, like Math.rint.
    int numToPredict = Math.min(options.maxPredictionsPerSeq(),
        Math.max(1, (int) Math.rint(tokens.length * options.maskedLmProb())));
    List<Integer> positions = new ArrayList<>();
    Set<Integer> covered = new HashSet<>();
    for (List<Integer> group : candidates) {
      if (positions.size() >= numToPredict) {
        break;
      }
      if (positions.size() + group.size() > numToPredict || group.stream().anyMatch(covered::contains)) {
        continue;
      }
      for (int index : group) {
        covered.add(index);
        if (rng.nextDouble() < 0.8) {
          output[index] = tokenizer.maskId();
        } else if (rng.nextDouble() >= 0.5) { // else: keep the original token
          output[index] = rng.nextInt(tokenizer.vocabSize());
        }
        positions.add(index);
      }
    }
    Collections.sort(positions);
    int[] maskedPositions = positions.stream().mapToInt(Integer::intValue).toArray();
    int[] labels = new int[maskedPositions.length];
    for (int k = 0; k < labels.length; k++) {
      labels[k] = tokens[maskedPositions[k]];
    }
    return new PretrainingInstance(output, segments, randomNext, maskedPositions, labels);
  }

  /** Python's {@code random.randint(lo, hi)}: inclusive on both ends. */
  private int randInt(int lo, int hi) {
    return lo + rng.nextInt(hi - lo + 1);
  }

  private static void addAll(List<Integer> to, int[] from) {
    for (int v : from) {
      to.add(v);
    }
  }
}
