package org.streambert.trainer.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.qa.BertQa;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.qa.SquadExample;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.GoogleCheckpoint;

/**
 * A tiny model (L=2, H=32, from random weights) fine-tuned once for the class on a synthetic reading task: the
 * context is 20-45 random letters with "is X Y ." somewhere, the question "what is ?", the answer "X Y". Contexts are
 * longer than one window (25 context tokens), so answers also fall in later windows or across window boundaries.
 */
class SquadTrainerTest {
  private static final QaOptions QA = new QaOptions(32, 8, 6, 20, 30);
  private static final WordPieceTokenizer TOK = tokenizer();
  private static final BertConfig CFG = new BertConfig(TOK.vocabSize(), 32, 2, 2, 64, Activation.GELU_TANH, 0.0, 0.0,
      64, 2, 0.02);
  private static List<SquadExample> eval;
  private static SquadTrainResult result;

  @BeforeAll
  static void train() {
    List<SquadExample> train = examples(1500, 1, "t");
    eval = examples(200, 2, "e");
    result = SquadTrainer.run(SquadTrainOptions.builder(CFG, TOK, WeightSource.random(0.02, 1), train)
        .eval(eval).qa(QA).batchSize(32).maxSteps(600).learningRate(2e-3).seed(3).progress(System.out).build());
  }

  @Test
  void shouldLowerTheSpanLoss() {
    assertTrue(result.meanLossOfLast(20) < 0.3 * result.meanLossOfFirst(20),
        result.meanLossOfFirst(20) + " -> " + result.meanLossOfLast(20));
  }

  @Test
  void shouldAnswerHeldOutQuestions() {
    // Chance: a random span of at most 30 tokens in ~35 -> EM ~0.
    assertTrue(result.score().orElseThrow().exactMatch() > 80, result.score().toString());
  }

  @Test
  void shouldServeTheWrittenCheckpointWithBertQa(@TempDir Path dir) {
    result.writeCheckpoint(dir, TOK.vocab());
    SquadExample e = eval.get(0);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir);
        BertQa qa = BertQa.create(ckpt.config(), ckpt, TOK, QA)) {
      assertEquals(result.predictions().get(e.id()), qa.best(e.question(), e.context()).orElseThrow().text());
    }
  }

  private static WordPieceTokenizer tokenizer() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "what", "is", "?",
        "."));
    for (char c = 'a'; c <= 'z'; c++) {
      tokens.add(String.valueOf(c));
    }
    return new WordPieceTokenizer(Vocab.of(tokens), true);
  }

  private static List<SquadExample> examples(int n, long seed, String prefix) {
    Random rnd = new Random(seed);
    List<SquadExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int length = 20 + rnd.nextInt(26);
      int at = rnd.nextInt(length);
      StringBuilder context = new StringBuilder();
      int answerStart = -1;
      String answer = null;
      for (int k = 0; k < length; k++) {
        if (k == at) {
          context.append("is ");
          answerStart = context.length();
          answer = letter(rnd) + " " + letter(rnd);
          context.append(answer).append(" . ");
        }
        context.append(letter(rnd)).append(' ');
      }
      out.add(new SquadExample(prefix + i, "what is ?", context.toString().strip(),
          List.of(new SquadExample.Answer(answer, answerStart))));
    }
    return out;
  }

  private static String letter(Random rnd) {
    return String.valueOf((char) ('a' + rnd.nextInt(26)));
  }
}
