package org.streambert.bert.qa;

/**
 * An answer span in a context.
 *
 * @param text        the context between {@code start} and {@code end}, as written there
 * @param start       start offset in the context, in Unicode code points (inclusive)
 * @param end         end offset in the context, in code points (exclusive)
 * @param probability softmax of this answer's logit over the n-best answers of its question (run_squad.py's
 *                    {@code probability} in {@code nbest_predictions.json})
 * @param logit       start logit of its first token plus end logit of its last token
 */
public record QaAnswer(String text, int start, int end, double probability, double logit) {
}
