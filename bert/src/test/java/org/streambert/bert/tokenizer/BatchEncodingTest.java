package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchEncodingTest {

  private static final int PAD = 0;

  @Test
  void shouldFrameEachWindowWithTheTemplateAndPadToTheLongest() {
    int[] pieces = {10, 11, 12, 13, 14};
    BatchEncoding in = BatchEncoding.ofWindows(List.of(new BatchEncoding.Window(pieces, 1, 3),
        new BatchEncoding.Window(pieces, 4, 1)), SpecialTokens.bert(101, 102), PAD);
    assertEquals(2, in.size());
    assertEquals(5, in.seqLen());
    assertArrayEquals(new int[] {101, 11, 12, 13, 102, 101, 14, 102, PAD, PAD}, in.ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, in.mask());
    assertArrayEquals(new int[10], in.segments());
  }

  @Test
  void shouldUseTheFamilysTemplate() {
    BatchEncoding in = BatchEncoding.ofWindows(List.of(new BatchEncoding.Window(new int[] {7}, 0, 1)),
        SpecialTokens.roberta(0, 2), 1);
    assertArrayEquals(new int[] {0, 7, 2}, in.ids());
  }

  @Test
  void shouldPadFramedSequencesWithTheirSegments() {
    BatchEncoding in = BatchEncoding.pad(List.of(new int[] {2, 5, 3}, new int[] {2, 3}), ids -> ids,
        ids -> ids.length == 3 ? new int[] {0, 0, 1} : null, 9);
    assertArrayEquals(new int[] {2, 5, 3, 2, 3, 9}, in.ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, in.mask());
    assertArrayEquals(new int[] {0, 0, 1, 0, 0, 0}, in.segments());
  }

  @Test
  void shouldGiveEachTextTheRowItsOwnEncodingHasPadded() {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
        "[MASK]", "kafka", "streams", "bert", "##s", "run")), true);
    List<String> texts = List.of("Kafka streams run", "berts");
    List<BatchEncoding.Window> windows = texts.stream().map(tokenizer::tokenize)
        .map(p -> new BatchEncoding.Window(p.ids(), 0, p.size())).toList();
    BatchEncoding in = BatchEncoding.ofWindows(windows, tokenizer.specialTokens(), tokenizer.padId());
    for (int r = 0; r < texts.size(); r++) {
      Encoding own = tokenizer.encode(texts.get(r), 16).padTo(in.seqLen(), tokenizer.padId());
      int from = r * in.seqLen();
      int to = from + in.seqLen();
      assertArrayEquals(own.inputIds(), Arrays.copyOfRange(in.ids(), from, to), texts.get(r));
      assertArrayEquals(own.attentionMask(), Arrays.copyOfRange(in.mask(), from, to), texts.get(r));
      assertArrayEquals(own.segmentIds(), Arrays.copyOfRange(in.segments(), from, to), texts.get(r));
    }
  }

  @Test
  void shouldRefuseWindowsOutsideThePiecesAndSegmentsOfAnotherLength() {
    assertThrows(IllegalArgumentException.class, () -> new BatchEncoding.Window(new int[3], 2, 2));
    assertThrows(IllegalArgumentException.class, () -> new BatchEncoding.Window(new int[3], -1, 1));
    assertThrows(IllegalArgumentException.class,
        () -> BatchEncoding.pad(List.of(new int[] {2, 3}), ids -> ids, ids -> new int[] {0}, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatchEncoding(1, 2, new int[2], new int[2], new int[1]));
  }
}
