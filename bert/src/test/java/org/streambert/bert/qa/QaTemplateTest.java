package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.TinyTokenizerFiles;

/** QA windows follow the tokenizer's special-token template: RoBERTa's {@code <s> q </s></s> c </s>}, segment 0. */
class QaTemplateTest {

  @TempDir
  Path dir;

  @Test
  void shouldBuildRobertaQuestionContextPairsWithTheirWindowArithmetic() throws IOException {
    try (TextTokenizer t = TextTokenizers.load(TinyTokenizerFiles.write(dir, TinyTokenizerFiles.bpe(List.of(), true))
        .getParent(), false)) {
      int a = 4 + 'a';
      int b = 4 + 'b';
      // Context "b b b b": pieces b Ġ b Ġ b Ġ b (no merges), 7 pieces; maxSeqLength 9 - question 1 - 4 specials = 4.
      QaFeaturizer f = new QaFeaturizer(t, new QaOptions(9, 2, 4, 5, 10));
      List<QaWindow> windows = f.trainingWindows("a", "b b b b", 6, 7);
      QaWindow first = windows.get(0);
      assertEquals(9, first.inputIds().length);
      assertEquals(0, first.inputIds()[0]);
      assertArrayEquals(new int[] {0, a, 2, 2, b, first.inputIds()[5], b, first.inputIds()[7], 2}, first.inputIds());
      assertArrayEquals(new int[9], first.segmentIds());
      assertEquals(0, first.startPosition()); // the answer (last b) is not in the first window: points at <s>
      QaWindow last = windows.get(windows.size() - 1);
      assertEquals(2, last.inputIds()[last.inputIds().length - 1]);
      assertEquals(last.inputIds().length - 2, last.startPosition()); // the last b, before the final </s>
      assertEquals(6, last.contextStarts()[last.startPosition()]);
    }
  }
}
