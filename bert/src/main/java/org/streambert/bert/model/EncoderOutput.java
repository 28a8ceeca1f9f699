package org.streambert.bert.model;

/**
 * The encoder's outputs for one batch, as flat row-major arrays.
 *
 * @param sequence [B, T, H] last encoder layer
 * @param pooled   [B, H] pooled output
 */
public record EncoderOutput(int batch, int seqLen, int hiddenSize, float[] sequence, float[] pooled) {
}
