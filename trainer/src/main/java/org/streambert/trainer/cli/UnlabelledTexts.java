package org.streambert.trainer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads unlabelled text files for distillation: UTF-8, one text per line, blank lines skipped. */
final class UnlabelledTexts {

  /** Longest line accepted (characters); a longer one is refused with its file:line. */
  static final int MAX_TEXT_CHARS = 100_000;

  /**
   * Most texts read over all files: they are held in memory with the teacher's distributions (a token head's are
   * length x labels floats per text, ~3 kB for 64 pieces and 13 labels).
   */
  static final int MAX_TEXTS = 200_000;

  private UnlabelledTexts() {}

  /**
   * @throws IllegalArgumentException for a missing or unreadable file, one that is not UTF-8, one without any text,
   *     a line longer than {@link #MAX_TEXT_CHARS}, or more than {@link #MAX_TEXTS} texts in all
   */
  static List<String> read(List<Path> files) throws IOException {
    List<String> texts = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--unlabelled " + file + ": no such file (or not a regular file)");
      }
      int before = texts.size();
      var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      int lineNo = 0;
      try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
          decoder))) {
        for (String line; (line = in.readLine()) != null; ) {
          lineNo++;
          if (line.length() > MAX_TEXT_CHARS) {
            throw new IllegalArgumentException(file + ":" + lineNo + ": a text of " + line.length()
                + " characters; the limit is " + MAX_TEXT_CHARS);
          }
          String text = line.strip();
          if (text.isEmpty()) {
            continue;
          }
          if (texts.size() == MAX_TEXTS) {
            throw new IllegalArgumentException("more than " + MAX_TEXTS + " unlabelled texts (at " + file + ":"
                + lineNo + ")");
          }
          texts.add(text);
        }
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException(file + ":" + (lineNo + 1) + ": not UTF-8 text");
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("--unlabelled " + file + ": no such file (or not a regular file)");
      }
      if (texts.size() == before) {
        throw new IllegalArgumentException("--unlabelled " + file + " has no text (one text per line expected)");
      }
    }
    return texts;
  }
}
