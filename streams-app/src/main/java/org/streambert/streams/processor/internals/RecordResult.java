package org.streambert.streams.processor.internals;

import org.streambert.bert.inference.Prediction;
import org.streambert.bert.qa.QaAnswer;

/**
 * What the batch step derived for one record's text (and question): the same for every record with that text under
 * one model version, which is what the duplicate-result cache keeps.
 *
 * @param prediction  classification, entities and embedding
 * @param windowCount windows the text ran in
 * @param answer      the best answer span to the record's question, or null (no question, no QA model, no span)
 */
public record RecordResult(Prediction prediction, int windowCount, QaAnswer answer) {
}
