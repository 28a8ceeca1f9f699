package org.streambert.streams.serving;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * A {@link ModelLoader} that serves a bundle's ONNX file ({@code onnx/model.onnx}, written by
 * {@code trainer publish --with-onnx}) through ONNX Runtime: the file is re-hashed against the manifest and op-checked
 * before ONNX Runtime sees it ({@link OnnxBundles#load}; a failure is a
 * {@link org.streambert.bert.bundle.BundleException}), then served at {@link OnnxPrecision#FP32} or quantized to
 * {@link OnnxPrecision#INT8} (or {@link OnnxPrecision#INT8_PER_TENSOR}) at load. Tokenizer, heads and labels are the
 * bundle's, as on TensorFlow.
 */
public final class OnnxRuntimeModelLoader implements ModelLoader {

  private final OnnxPrecision precision;
  private final int threads;
  private final Map<String, String> sessionEntries;

  /**
   * @param threads  intra-op threads (0: ONNX Runtime's default, one per physical core)
   * @param spinning whether ONNX Runtime's threads spin between ops (its own default; off here because a stream
   *                 processor never has the CPU to itself: spinning made int8 2–3× slower on a shared CPU,
   *                 docs/benchmarks.md)
   */
  public OnnxRuntimeModelLoader(OnnxPrecision precision, int threads, boolean spinning) {
    this.precision = Objects.requireNonNull(precision, "precision");
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, not " + threads);
    }
    this.threads = threads;
    this.sessionEntries = spinning ? Map.of("session.intra_op.allow_spinning", "1")
        : OnnxBundles.DEFAULT_SESSION_ENTRIES;
  }

  public OnnxPrecision precision() {
    return precision;
  }

  public ServingEngine engine() {
    return ServingEngine.onnxRuntime(precision);
  }

  @Override
  public LoadedModel load(ModelBundle bundle) throws IOException {
    TextTokenizer tokenizer = BertBundles.openTokenizer(bundle); // tokenizer.json (RoBERTa, XLM-R) or vocab.txt
    try {
      return new LoadedModel(tokenizer, OnnxBundles.load(bundle, precision, threads, sessionEntries), engine());
    } catch (IOException | RuntimeException | Error e) {
      tokenizer.close();
      throw e;
    }
  }
}
