package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.EntitySpan;

/** Conversion of TrainingExample entity spans (code points) into tagged words. */
class KafkaExampleSourceTest {

  @Test
  void shouldTagWordsCoveredBySpansAndSplitPunctuation() {
    // "Ana Lima visited São Paulo." : Ana Lima = [0, 8), São Paulo = [17, 26)
    NerSentence s = KafkaExampleSource.toSentence("1", "Ana Lima visited São Paulo.",
        List.of(new EntitySpan("PER", 0, 8), new EntitySpan("LOC", 17, 26))).orElseThrow();
    assertEquals(List.of("Ana", "Lima", "visited", "São", "Paulo", "."), s.tokens());
    assertEquals(List.of("B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"), s.tags());
  }

  @Test
  void shouldCountOffsetsInCodePoints() {
    // U+1F600 is two UTF-16 chars but one code point: "😀 Bob" has Bob at [2, 5).
    NerSentence s = KafkaExampleSource.toSentence("2", "\uD83D\uDE00 Bob", List.of(new EntitySpan("PER", 2, 5)))
        .orElseThrow();
    assertEquals(List.of("O", "B-PER"), s.tags());
  }

  @Test
  void shouldRefuseASpanOutsideTheText() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KafkaExampleSource.toSentence("x7", "short", List.of(new EntitySpan("PER", 2, 9))));
    assertEquals(true, e.getMessage().contains("x7"), e.getMessage());
  }
}
