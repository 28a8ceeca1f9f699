package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SquadReaderTest {
  private static final String SQUAD = """
      {"version": "1.1", "data": [
        {"title": "T1", "paragraphs": [
          {"context": "Beyoncé was born in Houston, Texas 🎤 in 1981.",
           "qas": [
             {"id": "q1", "question": "Where was she born?",
              "answers": [{"text": "Houston, Texas", "answer_start": 20}, {"text": "Houston", "answer_start": 20}]},
             {"id": "q2", "question": "When?", "answers": [{"text": "1981", "answer_start": 40}]}]}]},
        {"title": "T2", "paragraphs": [
          {"context": "Kafka is a log.", "qas": [{"id": "q3", "question": "What is Kafka?",
             "answers": [{"text": "a log", "answer_start": 9}]}]}]}]}
      """;

  @Test
  void shouldReadEveryQuestionWithItsContextAndAnswers(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("train.json");
    Files.writeString(f, SQUAD, StandardCharsets.UTF_8);
    List<SquadExample> examples = SquadReader.read(f);
    assertEquals(List.of("q1", "q2", "q3"), examples.stream().map(SquadExample::id).toList());
    SquadExample q1 = examples.get(0);
    assertEquals("Where was she born?", q1.question());
    assertEquals(List.of("Houston, Texas", "Houston"), q1.answerTexts());
    assertEquals(20, q1.answers().get(0).start());
    assertEquals(34, q1.answers().get(0).end());
    assertEquals("Kafka is a log.", examples.get(2).context());
  }

  @Test
  void shouldCountAnswerStartsInCodePointsAfterAnAstralCharacter(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("train.json");
    Files.writeString(f, SQUAD, StandardCharsets.UTF_8);
    SquadExample q2 = SquadReader.read(f).get(1);
    int[] cps = q2.context().codePoints().toArray();
    SquadExample.Answer a = q2.answers().get(0);
    assertEquals("1981", new String(cps, a.start(), a.end() - a.start()));
  }

  @Test
  void shouldNameTheMalformedElement() {
    String bad = "{\"data\": [{\"paragraphs\": [{\"context\": \"x\", \"qas\": [{\"id\": \"q\", \"question\": 3}]}]}]}";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SquadReader.read(new java.io.ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "bad.json"));
    assertTrue(e.getMessage().contains("bad.json")
        && e.getMessage().contains("data[0].paragraphs[0].qas[0].question"), e.getMessage());
  }

  @Test
  void shouldRejectAnAnswerOutsideItsContext() {
    String bad = "{\"data\": [{\"paragraphs\": [{\"context\": \"short\", \"qas\": [{\"id\": \"q\", \"question\": \"?\", "
        + "\"answers\": [{\"text\": \"short text\", \"answer_start\": 0}]}]}]}]}";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SquadReader.read(new java.io.ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "bad.json"));
    assertTrue(e.getMessage().contains("answers[0]"), e.getMessage());
  }
}
