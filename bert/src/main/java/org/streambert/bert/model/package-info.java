/**
 * BERT in TensorFlow Java.
 *
 * <ul>
 *   <li>{@link org.streambert.bert.model.BertConfig} ({@code bert_config.json}) and
 *       {@link org.streambert.bert.model.HeadsSpec} (optional classification / token classification heads).</li>
 *   <li>{@link org.streambert.bert.model.BertGraph#build}: the graph ops, for inference or (with dropout) for a
 *       trainer, with variables under Google's checkpoint names, loaded from a
 *       {@link org.streambert.bert.model.WeightSource}.</li>
 *   <li>{@link org.streambert.bert.model.BertModel}: the thread-safe {@link org.streambert.bert.model.ForwardPass}
 *       that owns its graph and session; {@link org.streambert.bert.model.BertSavedModel} exports and loads it as a
 *       SavedModel.</li>
 * </ul>
 */
package org.streambert.bert.model;
