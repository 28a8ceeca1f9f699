package org.streambert.bert.inference.internals;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.inference.AggregationStrategy;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.tokenizer.TextWords;

/**
 * Turns per-token label distributions into entities, following Hugging Face's TokenClassificationPipeline
 * (pipelines/token_classification.py: aggregate, aggregate_words, group_entities, get_tag). Differences: the word
 * strategies work on the project's words ({@link TextWords}, Penn-Treebank style, the unit the trainer labels; a piece
 * belongs to the word where it starts), where HF's pipeline starts a new word at every WordPiece token without
 * {@code ##} (so it splits {@code AL-AIN} into three words whose last two were never trained); a word entity spans the
 * whole word (HF: first to last piece, which differs only where the tokenizer deleted characters), and the following
 * words a piece runs into where no piece starts (XLM-R's piece {@code 北京} over the character words {@code 北 京});
 * whitespace-only pieces (byte-level {@code Ġ}, a lone {@code ▁}) carry no entity; a grouped entity
 * (every strategy but NONE) never starts or ends with a punctuation or clitic word ({@link
 * TextWords#isPunctuationOrClitic}): such units at its edges are dropped and its score is the mean of the rest, so
 * {@code Barcelona ,} tagged B-ORG I-ORG serves as {@code Barcelona}, as spaCy and Stanza would return it; the entity
 * type of a group is the tag without its {@code B-}/{@code I-} prefix (HF splits on the last '-', which truncates types
 * that contain '-'); the surface text is the original text between the offsets.
 */
public final class EntityAggregator {

  private static final String OUTSIDE = "O";

  private final List<String> labels;
  private final AggregationStrategy strategy;

  public EntityAggregator(List<String> labels, AggregationStrategy strategy) {
    this.labels = List.copyOf(labels);
    this.strategy = strategy;
  }

  /**
   * A scored, labelled span of tokens (one token, or one word for the word strategies); {@code edge} when it lies in a
   * punctuation or clitic word, which an entity may hold inside but not at its start or end.
   */
  private record Unit(String label, float score, int start, int end, boolean edge) {
  }

  /**
   * @param text      the original text (offsets index its code points)
   * @param starts    [n] code point start of each token
   * @param ends      [n] code point end of each token, exclusive
   * @param probs     [n, K] label distribution of each token, row-major
   */
  public List<Entity> aggregate(String text, int[] starts, int[] ends, float[] probs) {
    int n = starts.length;
    int k = labels.size();
    if (probs.length != n * k) {
      throw new IllegalArgumentException("probs has " + probs.length + " values, expected " + n + " x " + k);
    }
    List<Unit> units = new ArrayList<>();
    TextWords words = TextWords.of(text);
    int[] wordIndex = words.wordsOf(starts);
    switch (strategy) {
      case NONE, SIMPLE -> {
        for (int i = 0; i < n; i++) {
          if (starts[i] == ends[i]) {
            continue; // a whitespace-only piece (byte-level Ġ, a lone ▁): no text to label
          }
          int best = argmax(probs, i * k, k);
          units.add(new Unit(labels.get(best), probs[i * k + best], starts[i], ends[i], isEdge(words, wordIndex[i])));
        }
      }
      case FIRST, AVERAGE, MAX -> {
        int first = 0;
        for (int i = 1; i <= n; i++) {
          if (i == n || wordIndex[first] < 0 || wordIndex[i] != wordIndex[first]) {
            // A whole word, and the next words its pieces cover where no piece starts in them (XLM-R's piece 北京
            // over the words 北 and 京). A token outside every word (an empty span on whitespace) stays on its own.
            int w = wordIndex[first];
            int start = w < 0 ? starts[first] : Math.min(words.start(w), starts[first]);
            int end = w < 0 ? ends[i - 1] : coveredEnd(words, w, ends, first, i, starts);
            if (w >= 0 || start < end) {
              units.add(word(probs, first, i, start, end, isEdge(words, w)));
            }
            first = i;
          }
        }
      }
      default -> throw new IllegalStateException("unknown strategy " + strategy);
    }
    CodePoints codePoints = new CodePoints(text);
    List<Entity> entities = new ArrayList<>();
    if (strategy == AggregationStrategy.NONE) {
      for (Unit unit : units) {
        if (!unit.label().equals(OUTSIDE)) {
          entities.add(new Entity(unit.label(), unit.start(), unit.end(),
              codePoints.substring(unit.start(), unit.end()), unit.score()));
        }
      }
      return entities;
    }
    int groupStart = 0;
    for (int i = 1; i <= units.size(); i++) {
      // group_entities: join while the type stays and the next tag is not B-.
      if (i == units.size() || isBegin(units.get(i).label())
          || !type(units.get(i).label()).equals(type(units.get(i - 1).label()))) {
        addGroup(units.subList(groupStart, i), codePoints, entities);
        groupStart = i;
      }
    }
    return entities;
  }

  /**
   * The end of word {@code w} extended over the following words that tokens {@code [first, next)} run into and in
   * which no later token starts: a piece spanning several words of a script without spaces takes them all, while
   * {@code don} (of {@code don't}, words {@code do n't}) stays in {@code do}, since {@code '} starts in {@code n't}.
   */
  private static int coveredEnd(TextWords words, int w, int[] ends, int first, int next, int[] starts) {
    int maxEnd = 0;
    for (int t = first; t < next; t++) {
      maxEnd = Math.max(maxEnd, ends[t]);
    }
    int end = words.end(w);
    int t = next;
    for (int w2 = w + 1; w2 < words.size() && words.start(w2) < maxEnd; w2++) {
      while (t < starts.length && starts[t] < words.start(w2)) {
        t++;
      }
      if (t < starts.length && starts[t] < words.end(w2)) {
        break; // a later token starts in w2: it is that token's word
      }
      end = words.end(w2);
    }
    return end;
  }

  private static boolean isEdge(TextWords words, int w) {
    return w >= 0 && words.isPunctuationOrClitic(w);
  }

  private Unit word(float[] probs, int from, int to, int start, int end, boolean edge) {
    int k = labels.size();
    int label;
    float score;
    switch (strategy) {
      case FIRST -> {
        label = argmax(probs, from * k, k);
        score = probs[from * k + label];
      }
      case MAX -> {
        // The first token with the highest maximum wins ties, like Python's max().
        int bestToken = from;
        float bestMax = Float.NEGATIVE_INFINITY;
        for (int t = from; t < to; t++) {
          float max = probs[t * k + argmax(probs, t * k, k)];
          if (max > bestMax) {
            bestMax = max;
            bestToken = t;
          }
        }
        label = argmax(probs, bestToken * k, k);
        score = bestMax;
      }
      case AVERAGE -> {
        float[] mean = new float[k];
        for (int c = 0; c < k; c++) {
          double sum = 0;
          for (int t = from; t < to; t++) {
            sum += probs[t * k + c];
          }
          mean[c] = (float) (sum / (to - from));
        }
        label = argmax(mean, 0, k);
        score = mean[label];
      }
      default -> throw new IllegalStateException("not a word strategy: " + strategy);
    }
    return new Unit(labels.get(label), score, start, end, edge);
  }

  private static void addGroup(List<Unit> group, CodePoints codePoints, List<Entity> entities) {
    String type = type(group.get(0).label());
    if (type.equals(OUTSIDE)) {
      return;
    }
    int from = 0;
    int to = group.size();
    while (from < to && group.get(from).edge()) {
      from++;
    }
    while (to > from && group.get(to - 1).edge()) {
      to--;
    }
    if (from == to) {
      return; // only punctuation or clitics: no entity
    }
    group = group.subList(from, to);
    double sum = 0;
    for (Unit unit : group) {
      sum += unit.score();
    }
    int start = group.get(0).start();
    int end = group.get(group.size() - 1).end();
    entities.add(new Entity(type, start, end, codePoints.substring(start, end), (float) (sum / group.size())));
  }

  /** B- starts an entity; so do BIOES's S- (single) and BILOU's U- (unit), which imported models may use. */
  private static boolean isBegin(String label) {
    return label.startsWith("B-") || label.startsWith("S-") || label.startsWith("U-");
  }

  /** get_tag: strips a B-/I- prefix (and BIOES/BILOU's S-, E-, U-, L-); any other label is its own type. */
  private static String type(String label) {
    return label.length() > 2 && label.charAt(1) == '-' && "BIESLU".indexOf(label.charAt(0)) >= 0
        ? label.substring(2) : label;
  }

  /** First index of the maximum, like numpy's argmax. */
  private static int argmax(float[] values, int offset, int length) {
    int best = 0;
    for (int i = 1; i < length; i++) {
      if (values[offset + i] > values[offset + best]) {
        best = i;
      }
    }
    return best;
  }
}
