package org.streambert.bert.onnx;

/**
 * The names and layouts of the ONNX models {@link OnnxExporter} writes. Shape legend: B batch, T tokens (both
 * symbolic: {@code batch}, {@code sequence}), H hidden, C classes, K token labels.
 *
 * <pre>
 * inputs (int64, [B, T]):
 *   input_ids       vocabulary ids, padded with any id (padding is masked)
 *   attention_mask  1 for real tokens, 0 for padding
 *   token_type_ids  0 for sentence A, 1 for sentence B
 * outputs (float32):
 *   sequence_output [B, T, H]  last encoder layer
 *   pooled_output   [B, H]     tanh dense on [CLS] (modeling.py's pooler)
 *   class_logits    [B, C]     with a classification head
 *   class_probs     [B, C]     softmax of class_logits (sigmoid for a multi-label head)
 *   token_logits    [B, T, K]  with a token classification head
 *   token_probs     [B, T, K]  softmax over K
 * </pre>
 *
 * <p>{@code pooled_output}, {@code class_probs} and {@code token_probs} are what a served forward pass returns
 * ({@code ForwardResult}); the logits are there for tools that want them. Weights are initializers named as in
 * Google's checkpoints ({@code bert/encoder/layer_0/attention/self/query/kernel} [H, H], ...); the heads' weights,
 * laid out [C, H] / [K, H] in the checkpoints, are stored transposed as {@code cls_head/output_weights/transposed}
 * [H, C] and {@code token_head/output_weights/transposed} [H, K]. Opset: ai.onnx 17, standard ops only, every weight
 * inside the file. Metadata ({@code metadata_props}): {@link #BERT_CONFIG_KEY} (the {@code bert_config.json}) and
 * {@link #HEADS_KEY}.
 */
public final class OnnxLayout {
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";
  public static final String SEQUENCE_OUTPUT = "sequence_output";
  public static final String POOLED_OUTPUT = "pooled_output";
  public static final String CLASS_LOGITS = "class_logits";
  public static final String CLASS_PROBS = "class_probs";
  public static final String TOKEN_LOGITS = "token_logits";
  public static final String TOKEN_PROBS = "token_probs";
  /** {@code ModelProto.producer_name}. */
  public static final String PRODUCER = "streambert";
  /** Metadata key of the model's {@code bert_config.json}. */
  public static final String BERT_CONFIG_KEY = "streambert.bert_config";
  /** Metadata key of the heads, e.g. {@code classes=3 multi_label=false token_labels=9}. */
  public static final String HEADS_KEY = "streambert.heads";
  /** Metadata key set by {@link OnnxQuantizer}: {@code int8} when the dense layers are quantized. */
  public static final String PRECISION_KEY = "streambert.precision";

  private OnnxLayout() {
  }
}
