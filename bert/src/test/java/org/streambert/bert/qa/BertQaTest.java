package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** A random tiny model (L=2, H=32) with a random span head: checks the plumbing, not the quality of answers. */
class BertQaTest {
  private static final WordPieceTokenizer TOK = QaTestTokenizers.letters();
  private static final BertConfig CFG = new BertConfig(TOK.vocabSize(), 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1,
      64, 2, 0.02);
  private static final QaOptions OPTIONS = new QaOptions(24, 8, 6, 20, 30);
  private static Map<String, float[]> weights;
  private static BertQa qa;

  @BeforeAll
  static void create() {
    weights = TinyBert.randomWeights(CFG, HeadsSpec.NONE, 3);
    SplittableRandom rnd = new SplittableRandom(4);
    float[] head = new float[2 * CFG.hiddenSize()];
    for (int i = 0; i < head.length; i++) {
      head[i] = (float) rnd.nextGaussian();
    }
    weights.put(QaHead.OUTPUT_WEIGHTS, head);
    weights.put(QaHead.OUTPUT_BIAS, new float[] {0.5f, -0.5f});
    qa = BertQa.create(CFG, WeightSource.ofArrays(weights), TOK, OPTIONS);
  }

  @AfterAll
  static void close() {
    qa.close();
  }

  @Test
  void shouldComputeTheSameSpanLogitsAsTheGraphHead() {
    QaWindow w = new QaFeaturizer(TOK, OPTIONS).windows("what is a ?", "a b c d play playing e").get(0);
    float[][][] javaSide = qa.logits(List.of(w));
    int t = w.length();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BertGraph bert = BertGraph.build(tf, CFG, HeadsSpec.NONE, false);
      QaHead head = QaHead.build(tf, bert);
      WeightSource source = WeightSource.ofArrays(weights);
      bert.initialize(s, source);
      head.initialize(s, source);
      int[] mask = new int[t];
      java.util.Arrays.fill(mask, 1);
      try (TInt32 ids = TInt32.tensorOf(Shape.of(1, t), DataBuffers.of(w.inputIds()));
          TInt32 m = TInt32.tensorOf(Shape.of(1, t), DataBuffers.of(mask));
          TInt32 seg = TInt32.tensorOf(Shape.of(1, t), DataBuffers.of(w.segmentIds()));
          Result r = s.runner().feed(bert.inputIds(), ids).feed(bert.inputMask(), m).feed(bert.segmentIds(), seg)
              .fetch(head.startLogits()).fetch(head.endLogits()).run()) {
        for (int k = 0; k < 2; k++) {
          TFloat32 graphSide = (TFloat32) r.get(k);
          assertEquals(Shape.of(1, t), graphSide.shape());
          for (int p = 0; p < t; p++) {
            assertEquals(graphSide.getFloat(0, p), javaSide[0][k][p], 1e-4, (k == 0 ? "start" : "end") + " " + p);
          }
        }
      }
    }
  }

  @Test
  void shouldAnswerWithTextOfTheContextAtItsCodePointOffsets() {
    String context = "😀 a b c d e f g h i j k l m n o p q r s t u v w x y z play playing . a b c";
    List<QaAnswer> answers = qa.answer("what is q ?", context);
    assertFalse(answers.isEmpty());
    int[] cps = context.codePoints().toArray();
    for (QaAnswer a : answers) {
      assertEquals(new String(cps, a.start(), a.end() - a.start()), a.text());
      assertTrue(a.probability() > 0 && a.probability() <= 1);
    }
  }

  @Test
  void shouldGiveTheSameAnswersInABatchAsOneByOne() {
    List<BertQa.Request> requests = List.of(
        new BertQa.Request("what is a ?", "a b c d e f g h i j k l m n o p q r s t u v w x y z"),
        new BertQa.Request("what ?", "play playing x"),
        new BertQa.Request("is ?", "   "));
    List<List<QaAnswer>> batched = qa.answerAll(requests);
    List<List<QaAnswer>> single = new ArrayList<>();
    for (BertQa.Request r : requests) {
      single.add(qa.answer(r.question(), r.context()));
    }
    assertTrue(batched.get(2).isEmpty(), "a blank context has no answer");
    for (int i = 0; i < 2; i++) {
      assertEquals(single.get(i).get(0).text(), batched.get(i).get(0).text());
      assertEquals(single.get(i).get(0).logit(), batched.get(i).get(0).logit(), 1e-4);
    }
  }
}
