package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

class DemoDataTest {

  @Test
  void shouldWriteFilesTheReadersAccept(@TempDir Path dir) {
    DemoData.write(dir, 50, 20, 3);
    NerDataset ner = ConllReader.read(dir.resolve(DemoData.NER_TRAIN));
    assertEquals(50, ner.sentences().size());
    assertEquals(DemoData.ENTITY_TYPES, ner.entityTypes());
    ClassificationDataset topics = ClassificationReader.read(dir.resolve(DemoData.TOPICS_DEV));
    assertEquals(20, topics.examples().size());
    assertTrue(DemoData.TOPICS.containsAll(topics.labels()));
  }

  @Test
  void shouldBeDeterministicPerSeed() {
    assertEquals(DemoData.ner(30, 5), DemoData.ner(30, 5));
    assertFalse(DemoData.classification(30, 5).equals(DemoData.classification(30, 6)));
  }

  @Test
  void shouldBuildAVocabularyThatTokenizesOtherSamplesWithoutUnknowns() {
    List<String> texts = DemoData.classification(2000, 1).stream().map(ClassificationExample::text).toList();
    Vocab vocab = VocabBuilder.build(texts, true);
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, true);
    for (ClassificationExample e : DemoData.classification(100, 77)) {
      for (int id : tokenizer.tokenize(e.text()).ids()) {
        assertFalse(id == vocab.unkId(), e.text());
      }
    }
    // a word never seen falls back to characters, not [UNK]
    int[] ids = tokenizer.tokenize("tablets").ids();
    assertTrue(ids.length > 1 && java.util.Arrays.stream(ids).noneMatch(i -> i == vocab.unkId()));
  }
}
