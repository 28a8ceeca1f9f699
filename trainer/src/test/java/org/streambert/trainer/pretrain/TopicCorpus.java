package org.streambert.trainer.pretrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/**
 * A generated corpus where both pre-training tasks are learnable by a tiny model: every document is about one of
 * {@link #TOPICS} topics and its sentences are "the SUBJECT VERB the OBJECT ." with words of that topic only (six
 * subjects, two verbs, six objects each), so a random next segment usually comes from another topic (NSP: 3/4 of
 * NotNext pairs are detectable), and "the", "." and the topic's words are predictable
 * from context (MLM). A quarter of the verbs are "playing"/"played", split into word pieces ("play ##ing") for
 * whole-word masking.
 */
final class TopicCorpus {
  static final int TOPICS = 4;
  private static final String[] SUBJECTS = {"cat", "dog", "bird", "fish", "king", "queen", "ship", "train",
      "tree", "rose", "star", "moon", "car", "bus", "cook", "chef", "boy", "girl", "man", "wife", "fox", "owl",
      "cow", "pig"};
  private static final String[] VERBS = {"eats", "sees", "likes", "hits", "finds", "takes", "wants", "needs"};
  private static final String[] OBJECTS = {"rice", "bread", "milk", "corn", "gold", "coin", "ring", "crown",
      "rail", "sail", "road", "map", "leaf", "seed", "rock", "sky", "wheel", "seat", "pan", "pot", "ball", "toy",
      "hat", "coat"};

  private TopicCorpus() {
  }

  /** The vocabulary: special tokens, "the", ".", every topic word, and the pieces of "playing"/"played". */
  static Vocab vocab() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", ".",
        "play", "##ing", "##ed"));
    tokens.addAll(List.of(SUBJECTS));
    tokens.addAll(List.of(VERBS));
    tokens.addAll(List.of(OBJECTS));
    return Vocab.of(tokens);
  }

  static WordPieceTokenizer tokenizer() {
    return new WordPieceTokenizer(vocab(), true);
  }

  /** L=2, H=32, N=2, I=64, positions 64, no dropout (so a few hundred steps suffice). */
  static BertConfig tinyConfig() {
    return new BertConfig(vocab().size(), 32, 2, 2, 64, Activation.GELU_TANH, 0.0, 0.0, 64, 2, 0.02);
  }

  /** {@code count} documents of 5 to 10 sentences; document d is about topic d % TOPICS. */
  static List<String> documents(int count, long seed) {
    Random rnd = new Random(seed);
    List<String> docs = new ArrayList<>();
    for (int d = 0; d < count; d++) {
      int topic = d % TOPICS;
      int sentences = 5 + rnd.nextInt(6);
      StringBuilder doc = new StringBuilder();
      for (int s = 0; s < sentences; s++) {
        String subject = SUBJECTS[topic * 6 + rnd.nextInt(6)];
        String object = OBJECTS[topic * 6 + rnd.nextInt(6)];
        String verb = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? "playing" : "played")
            : VERBS[topic * 2 + rnd.nextInt(2)];
        doc.append("the ").append(subject).append(' ').append(verb).append(" the ").append(object).append(" .\n");
      }
      docs.add(doc.toString());
    }
    return docs;
  }
}
