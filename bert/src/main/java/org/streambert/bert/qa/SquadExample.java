package org.streambert.bert.qa;

import java.util.List;
import java.util.Objects;

/**
 * One SQuAD question about one paragraph.
 *
 * @param id       the question id ({@code qas[].id}), the key of prediction files
 * @param question the question text
 * @param context  the paragraph
 * @param answers  the ground-truth answers (SQuAD v1.1 training has one, dev has up to several)
 */
public record SquadExample(String id, String question, String context, List<Answer> answers) {

  public SquadExample {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(context, "context");
    answers = List.copyOf(answers);
  }

  /**
   * A ground-truth answer.
   *
   * @param text  the answer text
   * @param start {@code answer_start}: offset of the answer in the context in Unicode code points (Python string
   *              indexes, which is what the SQuAD files hold)
   */
  public record Answer(String text, int start) {
    public Answer {
      Objects.requireNonNull(text, "text");
    }

    /** End offset (exclusive) in code points. */
    public int end() {
      return start + text.codePointCount(0, text.length());
    }
  }

  /** The texts of every ground-truth answer. */
  public List<String> answerTexts() {
    return answers.stream().map(Answer::text).toList();
  }
}
