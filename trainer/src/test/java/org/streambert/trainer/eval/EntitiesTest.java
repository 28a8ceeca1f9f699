package org.streambert.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntitiesTest {

  @Test
  void shouldReadBeginInsideSpans() {
    assertEquals(List.of(new TypedSpan("PER", 0, 2), new TypedSpan("LOC", 3, 4)),
        Entities.fromIob2(List.of("B-PER", "I-PER", "O", "B-LOC")));
  }

  @Test
  void shouldStartAnEntityAtInsideTagAfterOutsideLikeConlleval() {
    assertEquals(List.of(new TypedSpan("PER", 1, 3)), Entities.fromIob2(List.of("O", "I-PER", "I-PER", "O")));
  }

  @Test
  void shouldStartAnEntityAtInsideTagAtSentenceStart() {
    assertEquals(List.of(new TypedSpan("ORG", 0, 1)), Entities.fromIob2(List.of("I-ORG", "O")));
  }

  @Test
  void shouldSplitWhenTheTypeChangesWithoutBeginTag() {
    assertEquals(List.of(new TypedSpan("PER", 0, 2), new TypedSpan("LOC", 2, 3)),
        Entities.fromIob2(List.of("B-PER", "I-PER", "I-LOC")));
  }

  @Test
  void shouldSplitAdjacentEntitiesOfTheSameTypeAtBeginTag() {
    assertEquals(List.of(new TypedSpan("PER", 0, 1), new TypedSpan("PER", 1, 3)),
        Entities.fromIob2(List.of("B-PER", "B-PER", "I-PER")));
  }

  @Test
  void shouldKeepDashesInTheType() {
    assertEquals(List.of(new TypedSpan("creative-work", 0, 2)),
        Entities.fromIob2(List.of("B-creative-work", "I-creative-work")));
  }

  @Test
  void shouldRejectATagOutsideIob2NamingItsPosition() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Entities.fromIob2(List.of("O", "E-PER")));
    assertEquals("invalid IOB2 tag 'E-PER' at position 1: expected O, B-TYPE or I-TYPE", e.getMessage());
  }
}
