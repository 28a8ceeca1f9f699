package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Reads the real NER files of the team's shared dataset folder when it is present. The folder is not part
 * of the repository: it is found as {@code shared/datasets} in the working directory or one of its parents
 * (the checkout's sibling {@code ../shared}), or given with {@code -Dstreambert.shared.datasets=DIR}. When
 * it is absent the tests are skipped, saying so.
 */
class SharedDatasetsSmokeTest {

  private static Path require(String relative) {
    return SharedDatasets.require(relative);
  }

  @Test
  void shouldReadWikigoldAsIob1() {
    NerDataset data = ConllReader.read(require("wikigold/wikigold.conll.txt"));
    assertEquals(TagScheme.IOB1, data.scheme());
    // SOURCE.txt: 1,696 sentences and 39,007 tokens without the -DOCSTART- lines.
    assertEquals(1696, data.sentences().size());
    assertEquals(39_007, data.sentences().stream().mapToInt(NerSentence::size).sum());
    assertEquals(List.of("LOC", "MISC", "ORG", "PER"), data.entityTypes());
    assertGoldScoresPerfectlyAgainstItself(data);
  }

  @Test
  void shouldReadWnut17TrainAsIob2() {
    NerDataset data = ConllReader.read(require("wnut17/wnut17train.conll"));
    assertEquals(TagScheme.IOB2, data.scheme());
    assertEquals(List.of("corporation", "creative-work", "group", "location", "person", "product"),
        data.entityTypes());
    assertGoldScoresPerfectlyAgainstItself(data);
  }

  /** The conlleval chunking of normalised IOB2 must find one entity per B- tag. */
  private static void assertGoldScoresPerfectlyAgainstItself(NerDataset data) {
    List<List<String>> tags = data.sentences().stream().map(NerSentence::tags).toList();
    long beginTags = tags.stream().flatMap(List::stream).filter(t -> t.startsWith("B-")).count();
    NerMetrics metrics = NerMetrics.evaluate(tags, tags);
    assertEquals(beginTags, metrics.overall().gold());
    assertEquals(1.0, metrics.overall().f1());
  }
}
