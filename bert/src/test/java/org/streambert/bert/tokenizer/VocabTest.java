package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VocabTest {

  private static Vocab read(String text) throws Exception {
    return Vocab.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test-vocab");
  }

  @Test
  void shouldNumberTokensByLine() throws Exception {
    Vocab v = read("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##lo\n");
    assertEquals(7, v.size());
    assertEquals(5, v.id("hello"));
    assertEquals("##lo", v.token(6));
    assertEquals(-1, v.id("absent"));
    assertEquals(List.of(0, 1, 2, 3, 4), List.of(v.padId(), v.unkId(), v.clsId(), v.sepId(), v.maskId()));
  }

  @Test
  void shouldIgnoreTrailingWhitespaceAndWindowsLineEnds() throws Exception {
    Vocab v = read("[PAD]\r\n[UNK] \r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello\r\n");
    assertEquals(1, v.unkId());
    assertEquals(5, v.id("hello"));
  }

  @Test
  void shouldRejectMissingSpecialTokenNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> read("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"));
    assertTrue(e.getMessage().contains("[MASK]"), e.getMessage());
  }

  @Test
  void shouldRejectDuplicateTokenNamingBothLines() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> read("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhello\n"));
    assertTrue(e.getMessage().contains("'hello'") && e.getMessage().contains("6") && e.getMessage().contains("7"),
        e.getMessage());
  }

  @Test
  void shouldRejectBlankLineNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> read("[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n[MASK]\n"));
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
  }

  @Test
  void shouldRejectIdOutsideTheVocabulary() throws Exception {
    Vocab v = read("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
    assertThrows(IllegalArgumentException.class, () -> v.token(5));
    assertThrows(IllegalArgumentException.class, () -> v.token(-1));
  }
}
