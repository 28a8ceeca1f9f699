package org.streambert.bert.heads;

import java.util.List;

/**
 * Per-token classification (e.g. NER) with softmax over the labels. Labels are normally IOB2 tags ({@code O},
 * {@code B-PER}, {@code I-PER}, ...); a label without a {@code B-}/{@code I-} prefix is treated as its own entity type
 * that continues like {@code I-}, as Hugging Face's TokenClassificationPipeline does.
 *
 * @param name   head name
 * @param labels tag names in output order
 */
public record TokenClassificationHead(String name, List<String> labels) implements HeadSpec {

  public TokenClassificationHead {
    labels = HeadSpec.checkedLabels("token classification", name, labels, 1);
  }
}
