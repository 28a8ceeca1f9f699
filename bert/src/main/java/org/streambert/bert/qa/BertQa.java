package org.streambert.bert.qa;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.tokenizer.BatchEncoding;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Extractive question answering with a SQuAD-style fine-tuned BERT: (question, context) in, answer spans with
 * code-point offsets into the context and a probability out. Long contexts are windowed ({@link QaFeaturizer}),
 * every window of every question in a call is run in batches through the encoder ({@link BertModel#encode}), the
 * span head ({@link QaHead}'s weights) is applied to the sequence output here, and {@link SpanDecoder} picks the
 * answers.
 *
 * <p>Thread-safe. Owns its {@link BertModel}; {@link #close()} closes it.
 */
public final class BertQa implements AutoCloseable {
  /** Windows per encoder run. */
  public static final int DEFAULT_BATCH_SIZE = 16;

  /** A question about a context. */
  public record Request(String question, String context) {
    public Request {
      if (question == null || context == null) {
        throw new IllegalArgumentException("question and context must not be null");
      }
    }
  }

  private final BertModel encoder;
  private final float[] headWeights; // [2, H]
  private final float[] headBias; // [2]
  private final QaFeaturizer featurizer;
  private final SpanDecoder decoder;
  private final int padId;
  private final int batchSize;

  /**
   * Takes ownership of {@code encoder}.
   *
   * @param headWeights [2, H] row-major ({@link QaHead#OUTPUT_WEIGHTS})
   * @param headBias    [2] ({@link QaHead#OUTPUT_BIAS})
   */
  public BertQa(BertModel encoder, float[] headWeights, float[] headBias, TextTokenizer tokenizer,
      QaOptions options, int batchSize) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    int h = encoder.hiddenSize();
    if (headWeights.length != 2 * h || headBias.length != 2) {
      throw new IllegalArgumentException("span head needs [2, " + h + "] weights and [2] bias, got "
          + headWeights.length + " and " + headBias.length + " values");
    }
    if (options.maxSeqLength() > encoder.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException("maxSeqLength " + options.maxSeqLength() + " exceeds the model's "
          + encoder.config().maxPositionEmbeddings() + " positions");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    this.headWeights = headWeights.clone();
    this.headBias = headBias.clone();
    this.featurizer = new QaFeaturizer(tokenizer, options);
    this.decoder = new SpanDecoder(options);
    this.padId = tokenizer.padId();
    this.batchSize = batchSize;
  }

  /**
   * Builds the encoder from {@code weights} (which the caller still owns) and reads the span head from it.
   *
   * @throws IllegalArgumentException when a weight, including {@link QaHead#OUTPUT_WEIGHTS}, is missing or misshapen
   */
  public static BertQa create(BertConfig cfg, WeightSource weights, TextTokenizer tokenizer, QaOptions options) {
    float[] w = head(weights, QaHead.OUTPUT_WEIGHTS, Shape.of(2, cfg.hiddenSize()));
    float[] b = head(weights, QaHead.OUTPUT_BIAS, Shape.of(2));
    BertModel model = BertModel.create(cfg, HeadsSpec.NONE, weights);
    try {
      return new BertQa(model, w, b, tokenizer, options, DEFAULT_BATCH_SIZE);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** The n-best answers to one question, best first; empty when the context has no tokens. */
  public List<QaAnswer> answer(String question, String context) {
    return answerAll(List.of(new Request(question, context))).get(0);
  }

  /** The best answer to one question. */
  public Optional<QaAnswer> best(String question, String context) {
    List<QaAnswer> answers = answer(question, context);
    return answers.isEmpty() ? Optional.empty() : Optional.of(answers.get(0));
  }

  /** The n-best answers of each request, in request order; windows of all requests share encoder batches. */
  public List<List<QaAnswer>> answerAll(List<Request> requests) {
    List<List<QaWindow>> windows = new ArrayList<>();
    List<int[]> refs = new ArrayList<>(); // {request, window}
    for (int r = 0; r < requests.size(); r++) {
      List<QaWindow> ws = featurizer.windows(requests.get(r).question(), requests.get(r).context());
      windows.add(ws);
      for (int w = 0; w < ws.size(); w++) {
        refs.add(new int[] {r, w});
      }
    }
    List<List<float[]>> starts = new ArrayList<>();
    List<List<float[]>> ends = new ArrayList<>();
    for (List<QaWindow> ws : windows) {
      starts.add(new ArrayList<>(java.util.Collections.nCopies(ws.size(), (float[]) null)));
      ends.add(new ArrayList<>(java.util.Collections.nCopies(ws.size(), (float[]) null)));
    }
    for (int from = 0; from < refs.size(); from += batchSize) {
      List<int[]> batch = refs.subList(from, Math.min(refs.size(), from + batchSize));
      List<QaWindow> bw = batch.stream().map(ref -> windows.get(ref[0]).get(ref[1])).toList();
      float[][][] logits = logits(bw);
      for (int i = 0; i < batch.size(); i++) {
        starts.get(batch.get(i)[0]).set(batch.get(i)[1], logits[i][0]);
        ends.get(batch.get(i)[0]).set(batch.get(i)[1], logits[i][1]);
      }
    }
    List<List<QaAnswer>> out = new ArrayList<>(requests.size());
    for (int r = 0; r < requests.size(); r++) {
      out.add(decoder.decode(requests.get(r).context(), windows.get(r), starts.get(r), ends.get(r)));
    }
    return out;
  }

  /** Per window, {start logits [T], end logits [T]} over the padded batch length T. */
  float[][][] logits(List<QaWindow> windows) {
    BatchEncoding in = BatchEncoding.pad(windows, QaWindow::inputIds, QaWindow::segmentIds, padId); // [B, T]
    int b = in.size();
    int t = in.seqLen();
    EncoderOutput out = encoder.encode(b, t, in.ids(), in.mask(), in.segments());
    int h = out.hiddenSize();
    float[] seq = out.sequence(); // [B, T, H]
    float[][][] logits = new float[b][2][t];
    for (int i = 0; i < b; i++) {
      for (int p = 0; p < t; p++) {
        int base = (i * t + p) * h;
        double s = headBias[0];
        double e = headBias[1];
        for (int k = 0; k < h; k++) {
          s += seq[base + k] * headWeights[k];
          e += seq[base + k] * headWeights[h + k];
        }
        logits[i][0][p] = (float) s;
        logits[i][1][p] = (float) e;
      }
    }
    return logits;
  }

  public QaOptions options() {
    return featurizer.options();
  }

  @Override
  public void close() {
    encoder.close();
  }

  private static float[] head(WeightSource weights, String name, Shape shape) {
    Optional<TFloat32> t = weights.read(name, shape);
    if (t.isEmpty()) {
      throw new IllegalArgumentException("the weights have no span head " + name + " (fine-tune for SQuAD first)");
    }
    try (TFloat32 v = t.get()) {
      if (!v.shape().equals(shape)) {
        throw new IllegalArgumentException(name + " has shape " + v.shape() + ", expected " + shape);
      }
      return TensorData.readFloats(v);
    }
  }
}
