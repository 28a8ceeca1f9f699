package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.io.StringReader;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.TypedSpan;

/**
 * Served evaluation on tokenized sentences, raw sentences and raw documents: a model that tags every entity word's first
 * piece right scores 100 on all three, which needs detokenization, gold spans and served spans to agree exactly.
 */
class RawTextEvaluationTest {

  private static final String CONLL = String.join("\n",
      "-DOCSTART- O", "",
      "Fans O", "of O", "Barcelona B-ORG", ", O", "Bitar B-PER", "'s O", "team O", ". O", "",
      "( O", "M. B-PER", "Wasim I-PER", ") O", "does O", "n't O", "like O", "\" O", "Airbus B-ORG", "\" O", ". O", "",
      "-DOCSTART- O", "",
      "$ B-MONEY", "57,600 I-MONEY", "to O", "AL-AIN B-ORG", "in O", "the O", "U.S. B-LOC", ". O", "");

  private static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Fans", "of",
      "Barcelona", ",", "Bit", "##ar", "'", "s", "team", ".", "(", "M", "Wasim", ")", "does", "n", "t", "like", "\"",
      "Airbus", "$", "57", "600", "to", "AL", "-", "AIN", "in", "the", "U", "S");
  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(VOCAB), false);
  private static final List<String> LABELS = LabelSets.nerLabels(List.of("LOC", "MONEY", "ORG", "PER"));
  private static final Map<String, String> FIRST_PIECES = Map.of("Barcelona", "B-ORG", "Bit", "B-PER", "M", "B-PER",
      "Wasim", "I-PER", "Airbus", "B-ORG", "$", "B-MONEY", "57", "I-MONEY", "AL", "B-ORG", "U", "B-LOC");

  private static List<NerSentence> sentences() throws IOException {
    return ConllReader.read("test", new StringReader(CONLL), null).sentences();
  }

  @Test
  void shouldDetokenizeSentencesAndDocumentsWithGoldSpansOnTheirTokens() throws IOException {
    List<NerSentence> sentences = sentences();
    assertEquals(3, sentences.size());
    assertSame(sentences.get(0).document(), sentences.get(1).document());
    List<ServedEvaluation.GoldText> raw = ServedEvaluation.texts(sentences, ServedText.RAW);
    assertEquals("Fans of Barcelona, Bitar's team.", raw.get(0).text().text());
    assertEquals("(M. Wasim) doesn't like \"Airbus\".", raw.get(1).text().text());
    assertEquals("$57,600 to AL-AIN in the U.S..", raw.get(2).text().text());
    assertEquals(List.of(new TypedSpan("ORG", 8, 17), new TypedSpan("PER", 19, 24)), raw.get(0).gold());
    assertEquals(List.of(new TypedSpan("PER", 1, 9), new TypedSpan("ORG", 25, 31)), raw.get(1).gold());
    assertEquals(List.of(new TypedSpan("MONEY", 0, 7), new TypedSpan("ORG", 11, 17), new TypedSpan("LOC", 25, 29)),
        raw.get(2).gold());
    List<ServedEvaluation.GoldText> docs = ServedEvaluation.texts(sentences, ServedText.DOCUMENTS);
    assertEquals(2, docs.size());
    assertEquals("Fans of Barcelona, Bitar's team. (M. Wasim) doesn't like \"Airbus\".", docs.get(0).text().text());
    assertEquals(List.of(new TypedSpan("ORG", 8, 17), new TypedSpan("PER", 19, 24), new TypedSpan("PER", 34, 42),
        new TypedSpan("ORG", 58, 64)), docs.get(0).gold());
    assertEquals("Fans of Barcelona , Bitar 's team .",
        ServedEvaluation.texts(sentences, ServedText.TOKENIZED).get(0).text().text());
  }

  @Test
  void shouldScoreARightModelOneHundredOnTokenizedRawAndDocumentText() throws IOException {
    List<NerSentence> sentences = sentences();
    // maxLength 10: the first document (30 pieces) runs in overlapping windows
    try (BertPredictor predictor = BertPredictor.create(TOKENIZER, new FirstPiecePass(), null,
        new TokenClassificationHead("ner", LABELS), PredictorConfig.builder().maxLength(10).build())) {
      ServedMetrics served = ServedEvaluation.evaluate(predictor, List.of(), List.of(), null, sentences,
          ServedText.RAW, EnumSet.allOf(ServedText.class));
      assertEquals(ServedText.RAW, served.nerText());
      assertSame(served.nerByText().get(ServedText.RAW), served.ner());
      for (ServedText kind : ServedText.values()) {
        assertNotNull(served.nerByText().get(kind), kind.label());
        assertEquals(7, served.nerByText().get(kind).overall().gold(), kind.label());
        assertEquals(1.0, served.nerByText().get(kind).overall().f1(), 1e-12, kind.label());
      }
      EvalReport report = new EvalReport(null, served.ner(), served);
      assertEquals(1.0, report.metrics().get(EvalReport.SERVED_RAW_ENTITY_F1), 1e-12);
      assertEquals(1.0, report.metrics().get(EvalReport.SERVED_DOCUMENTS_ENTITY_F1), 1e-12);
      assertEquals(1.0, report.metrics().get(EvalReport.SERVED_ENTITY_F1), 1e-12);
    }
  }

  @Test
  void shouldLeaveSentencesWithoutDocumentMarkersAlone() throws IOException {
    List<NerSentence> sentences = ConllReader.read("t", new StringReader("a O\nB B-X\n\nc O\n"), null).sentences();
    assertNull(sentences.get(0).document());
    assertEquals(2, ServedEvaluation.texts(sentences, ServedText.DOCUMENTS).size());
  }

  /** Tags each piece by its vocabulary entry ({@link #FIRST_PIECES}), O for the rest, wherever it stands. */
  private static final class FirstPiecePass implements ForwardPass {
    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      int k = LABELS.size();
      float[] probs = new float[batch * seqLen * k];
      for (int i = 0; i < batch * seqLen; i++) {
        String tag = FIRST_PIECES.getOrDefault(VOCAB.get(inputIds[i]), "O");
        Arrays.fill(probs, i * k, (i + 1) * k, 0.01f);
        probs[i * k + LABELS.indexOf(tag)] = 0.9f;
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
