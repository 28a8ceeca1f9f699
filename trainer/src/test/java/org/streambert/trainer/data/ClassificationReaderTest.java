package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationReaderTest {

  @TempDir Path dir;

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void shouldReadTsvAndSkipAHeader() throws IOException {
    ClassificationDataset data = ClassificationReader.read(file("train.tsv",
        "text\tlabel\ngreat film\tpos\n\nawful plot\tneg\nfine\tpos\n"));
    assertEquals(List.of(new ClassificationExample("great film", "pos"),
        new ClassificationExample("awful plot", "neg"), new ClassificationExample("fine", "pos")), data.examples());
    assertEquals(List.of("neg", "pos"), data.labels());
  }

  @Test
  void shouldReadTsvWithoutHeader() throws IOException {
    ClassificationDataset data = ClassificationReader.read(file("train.tsv", "b text\tb\na text\ta\n"));
    assertEquals(2, data.examples().size());
    assertEquals(List.of("a", "b"), data.labels());
  }

  @Test
  void shouldReadJsonlWithStringAndNumberLabels() throws IOException {
    ClassificationDataset data = ClassificationReader.read(file("train.jsonl",
        "{\"text\": \"hello\", \"label\": 1, \"id\": 7}\n\n{\"label\": \"0\", \"text\": \"bye\"}\n"));
    assertEquals(List.of(new ClassificationExample("hello", "1"), new ClassificationExample("bye", "0")),
        data.examples());
    assertEquals(List.of("0", "1"), data.labels());
  }

  @Test
  void shouldRejectATsvLineWithoutATabNamingFileAndLine() throws IOException {
    Path f = file("bad.tsv", "good\tpos\nno tab here\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ClassificationReader.read(f));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().startsWith(f + ":2: no tab"), e.getMessage());
  }

  @Test
  void shouldRejectInvalidJsonNamingFileAndLine() throws IOException {
    Path f = file("bad.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": }\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ClassificationReader.read(f));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().startsWith(f + ":2: invalid JSON"), e.getMessage());
  }

  @Test
  void shouldRejectAJsonLineWithoutLabel() throws IOException {
    Path f = file("nolabel.jsonl", "{\"text\": \"a\"}\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ClassificationReader.read(f));
    assertEquals(1, e.line());
    assertTrue(e.getMessage().contains("\"label\""), e.getMessage());
  }

  @Test
  void shouldRefuseASingleClassDataset() throws IOException {
    Path f = file("one.tsv", "a\tpos\nb\tpos\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ClassificationReader.read(f));
    assertTrue(e.getMessage().contains("at least two labels"), e.getMessage());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
  }

  @Test
  void shouldRefuseAnEmptyDataset() throws IOException {
    Path f = file("empty.jsonl", "\n\n");
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ClassificationReader.read(f));
    assertTrue(e.getMessage().contains("no examples"), e.getMessage());
  }
}
