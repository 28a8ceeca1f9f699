package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;

/**
 * A labelled TrainingExample with raw text and code-point spans trains on the same words that serving aggregates on:
 * the feature is the text's own pieces, labelled on the first piece of each serving word, and a model that returns
 * exactly the trained labels is served back the example's entities.
 */
class RawTextTrainingTest {

  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]",
      "[CLS]", "[SEP]", "[MASK]", "Fans", "of", "Barcelona", ",", "Bit", "##ar", "'", "s", "team", "(", "M", ".",
      "Wasim", ")", "don", "t", "like", "Airbus", "in", "the", "U", "S", "paid", "$", "57", "600", "to", "AL", "-",
      "AIN")), false);
  private static final List<String> LABELS = LabelSets.nerLabels(List.of("LOC", "MONEY", "ORG", "PER"));
  private static final Map<String, Integer> INDEX = LabelSets.index(LABELS);

  // 0         1         2         3         4         5         6         7         8         9
  // 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123
  // Fans of Barcelona, Bitar's team (M. Wasim) don't like Airbus. in the U.S. paid $57,600 to AL-AIN.
  private static final String TEXT =
      "Fans of Barcelona, Bitar's team (M. Wasim) don't like Airbus. in the U.S. paid $57,600 to AL-AIN.";

  private static NerSentence example() {
    // Spans as a labeller might mark them, some with the punctuation attached ("Barcelona,", "(M. Wasim)", "Airbus.").
    TrainingExample example = new TrainingExample("e1", TEXT, null, List.of(new EntitySpan("ORG", 8, 18),
        new EntitySpan("PER", 19, 24), new EntitySpan("PER", 32, 42), new EntitySpan("ORG", 54, 61),
        new EntitySpan("LOC", 69, 73), new EntitySpan("MONEY", 79, 86), new EntitySpan("ORG", 90, 96)), "test",
        Instant.EPOCH, null, null, null, null, null);
    List<NerSentence> ner = KafkaExampleSource.of(List.of(example)).ner();
    assertEquals(1, ner.size());
    return ner.get(0);
  }

  @Test
  void shouldTagTheServingWordsOfTheRawTextWithoutEdgePunctuation() {
    NerSentence s = example();
    assertEquals(TEXT, s.text());
    assertEquals(List.of("Fans", "of", "Barcelona", ",", "Bitar", "'s", "team", "(", "M.", "Wasim", ")", "do", "n't",
        "like", "Airbus", ".", "in", "the", "U.S.", "paid", "$57,600", "to", "AL-AIN", "."), s.tokens());
    assertEquals(List.of("O", "O", "B-ORG", "O", "B-PER", "O", "O", "O", "B-PER", "I-PER", "O", "O", "O", "O",
        "B-ORG", "O", "O", "O", "B-LOC", "O", "B-MONEY", "O", "B-ORG", "O"), s.tags());
  }

  @Test
  void shouldEncodeTheRawTextsOwnPiecesLabelledOnTheFirstPieceOfEachServingWord() {
    NerSentence s = example();
    Feature f = Feature.ner(TOKENIZER, s, INDEX, 128);
    WordPieces pieces = TOKENIZER.tokenize(TEXT);
    assertArrayEquals(pieces.ids(), Arrays.copyOfRange(f.ids(), 1, f.length() - 1), "the text's own pieces");
    // "don't" is pieces don ' t: "don" is the first piece of "do", "'" of "n't".
    int[] pieceWord = TextWords.of(TEXT).wordsOf(pieces.starts());
    for (int p = 0; p < pieces.size(); p++) {
      boolean first = p == 0 || pieceWord[p] != pieceWord[p - 1];
      int label = f.tokenLabels()[p + 1];
      assertEquals(first ? INDEX.get(s.tags().get(pieceWord[p])) : Feature.IGNORED, label, "piece " + p);
    }
  }

  @Test
  void shouldServeBackTheTrainedEntitiesFromAModelThatReturnsTheTrainedLabels() {
    NerSentence s = example();
    Feature f = Feature.ner(TOKENIZER, s, INDEX, 128);
    try (BertPredictor predictor = BertPredictor.create(TOKENIZER, new EchoPass(f), null,
        new TokenClassificationHead("ner", LABELS), PredictorConfig.defaults())) {
      List<String> served = predictor.predict(TEXT).entities().stream()
          .map(e -> e.type() + " " + e.text() + " " + e.start() + "-" + e.end()).toList();
      assertEquals(List.of("ORG Barcelona 8-17", "PER Bitar 19-24", "PER M. Wasim 33-41", "ORG Airbus 54-60",
          "LOC U.S. 69-73", "MONEY $57,600 79-86", "ORG AL-AIN 90-96"), served);
      // and scored against the example's gold spans, they all match
      NerText text = NerText.of(s);
      List<String> gold = new ArrayList<>();
      text.goldSpans(s.tags()).forEach(e -> gold.add(e.type() + " " + e.start() + "-" + e.end()));
      assertEquals(served.stream().map(x -> x.replaceAll(" .* ", " ")).toList(), gold);
    }
  }

  /** A forward pass that gives each piece of the feature's text the feature's label (O where it has none). */
  private static final class EchoPass implements ForwardPass {
    private final Feature feature;

    EchoPass(Feature feature) {
      this.feature = feature;
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      int k = LABELS.size();
      float[] probs = new float[batch * seqLen * k];
      for (int b = 0; b < batch; b++) {
        for (int t = 0; t < seqLen; t++) {
          int label = t < feature.length() ? feature.tokenLabels()[t] : Feature.IGNORED;
          probs[(b * seqLen + t) * k + (label == Feature.IGNORED ? 0 : label)] = 1f;
        }
      }
      return new ForwardResult(batch, seqLen, 1, 0, k, new float[batch], null, probs);
    }

    @Override
    public int hiddenSize() {
      return 1;
    }

    @Override
    public int numClasses() {
      return 0;
    }

    @Override
    public int numTokenLabels() {
      return LABELS.size();
    }

    @Override
    public void close() {}
  }
}
