package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConllReaderTest {

  @TempDir Path dir;

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void shouldGroupSentencesIntoDocumentsAtDocstartAndAtRunsOfBlankLines() throws java.io.IOException {
    String text = "-DOCSTART- O\n\na B-X\n\nb O\n-DOCSTART- O\nc O\n\n\n\nd O\n\ne O\n\n\n";
    java.util.List<NerSentence> s = ConllReader.read("t", new java.io.StringReader(text), null).sentences();
    assertEquals(5, s.size());
    assertSame(s.get(0).document(), s.get(1).document());
    assertEquals(1, s.get(1).index());
    assertEquals(1, s.get(2).document().size(), "c: alone between -DOCSTART- and a blank-line run");
    assertSame(s.get(3).document(), s.get(4).document(), "trailing blank lines start no document");
    assertEquals(java.util.List.of("d"), s.get(3).document().sentences().get(0).tokens());
  }

  @Test
  void shouldConvertIob1ToIob2AndDetectTheScheme() throws IOException {
    NerDataset data = ConllReader.read(file("iob1.txt", """
        Japanese I-MISC
        punk O
        Anna I-PER
        Bob B-PER
        Smith I-PER
        in O
        Rome I-LOC
        Berlin I-ORG
        """));
    assertEquals(TagScheme.IOB1, data.scheme());
    assertEquals(List.of("B-MISC", "O", "B-PER", "B-PER", "I-PER", "O", "B-LOC", "B-ORG"),
        data.sentences().get(0).tags());
  }

  @Test
  void shouldKeepIob2TagsAndDetectTheScheme() throws IOException {
    NerDataset data = ConllReader.read(file("iob2.tsv", "Empire\tB-location\nState\tI-location\n=\tO\nESB\tB-location\n"));
    assertEquals(TagScheme.IOB2, data.scheme());
    assertEquals(List.of("B-location", "I-location", "O", "B-location"), data.sentences().get(0).tags());
    assertEquals(List.of("Empire", "State", "=", "ESB"), data.sentences().get(0).tokens());
  }

  @Test
  void shouldConvertBioesAndBilouToIob2() throws IOException {
    NerDataset data = ConllReader.read(file("bioes.txt", """
        Ann S-PER
        went O
        to O
        New B-LOC
        York I-LOC
        City E-LOC
        with O
        Acme B-ORG
        Inc E-ORG

        Bo U-PER
        from O
        Big B-ORG
        Corp L-ORG
        """));
    assertEquals(TagScheme.BIOES, data.scheme());
    assertEquals(List.of("B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC", "O", "B-ORG", "I-ORG"),
        data.sentences().get(0).tags());
    assertEquals(List.of("B-PER", "O", "B-ORG", "I-ORG"), data.sentences().get(1).tags());
  }

  @Test
  void shouldSplitSentencesOnBlankLinesSkipDocstartAndUseTheLastColumn() throws IOException {
    NerDataset data = ConllReader.read(file("conll03.txt", """
        -DOCSTART- -X- -X- O

        EU NNP B-NP B-ORG
        rejects VBZ B-VP O
        \t
        Peter NNP B-NP B-PER
        -DOCSTART- -X- -X- O
        Blackburn NNP B-NP B-LOC
        """));
    assertEquals(3, data.sentences().size());
    assertEquals(List.of("EU", "rejects"), data.sentences().get(0).tokens());
    assertEquals(List.of("B-ORG", "O"), data.sentences().get(0).tags());
    assertEquals(List.of("Peter"), data.sentences().get(1).tokens());
    assertEquals(List.of("Blackburn"), data.sentences().get(2).tokens());
  }

  @Test
  void shouldDeriveOutsideFirstThenSortedBeginInsideLabels() throws IOException {
    NerDataset data = ConllReader.read(file("labels.txt", "a B-PER\nb O\nc B-LOC\n\nd I-MISC\n"));
    assertEquals(List.of("O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-PER", "I-PER"), data.labels());
    assertEquals(List.of("LOC", "MISC", "PER"), data.entityTypes());
  }

  @Test
  void shouldRejectALineWithOneColumnNamingFileAndLine() throws IOException {
    Path f = file("one-column.txt", "John B-PER\nsmiles\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ConllReader.read(f));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().startsWith(f + ":2: "), e.getMessage());
    assertTrue(e.getMessage().contains("2 columns"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-PER", "B-", "PER", "b-PER"})
  void shouldRejectAnInvalidTagNamingFileAndLine(String tag) throws IOException {
    Path f = file("bad-tag.txt", "John B-PER\n\nMary " + tag + "\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ConllReader.read(f));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().startsWith(f + ":3: invalid tag '" + tag + "'"), e.getMessage());
  }

  @Test
  void shouldRejectInsideTagAfterOutsideWhenTheSchemeIsGivenAsIob2() throws IOException {
    Path f = file("strict.txt", "John B-PER\nsaw O\nMary I-PER\n");
    DatasetFormatException e =
        assertThrows(DatasetFormatException.class, () -> ConllReader.read(f, TagScheme.IOB2));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("after 'O'"), e.getMessage());
  }

  @Test
  void shouldRejectEndTagThatDoesNotCloseAnEntityInBioes() throws IOException {
    Path f = file("bad-bioes.txt", "John O\nSmith E-PER\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ConllReader.read(f));
    assertEquals(2, e.line());
  }

  @Test
  void shouldRefuseAnEmptyFile() throws IOException {
    Path f = file("empty.txt", "\n-DOCSTART- O\n\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ConllReader.read(f));
    assertTrue(e.getMessage().contains("no sentences"), e.getMessage());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
  }

  @Test
  void shouldRefuseADatasetWithoutEntities() throws IOException {
    Path f = file("all-o.txt", "nothing O\nhere O\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ConllReader.read(f));
    assertTrue(e.getMessage().contains("no entities"), e.getMessage());
  }
}
