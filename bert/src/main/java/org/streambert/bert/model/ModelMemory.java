package org.streambert.bert.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a model of a config costs in memory, computed from the config alone (nothing is allocated), and the check that
 * refuses a model that would not fit before loading starts. XLM-R-base is the case in point: its 250,002 x 768
 * embedding table alone is 768 MB in fp32, and a hot swap keeps the old model serving while the new one loads and
 * passes its golden check, so two models are alive at once.
 *
 * <p>Figures, from the config, with factors measured on an XLM-R-base-shaped model (278M parameters, random weights;
 * {@code FamilyMemoryBench}, docs/models-families.md) and rounded up: {@code weightBytes} = parameters x 4 (fp32);
 * {@code residentBytes}, what one loaded model keeps outside the Java heap while it serves (TensorFlow: its variables
 * plus the largest tensor; ONNX Runtime fp32: about twice the weights, measured 2.1x); {@code loadPeakBytes}, the most
 * it holds outside the heap while loading (TensorFlow: as resident; ONNX Runtime: measured 3.6x the weights while it
 * parses and optimises the model); {@code loadHeapBytes}, what loading needs on the Java heap (ONNX Runtime: the model
 * file's bytes, and the quantizer's copies for int8; TensorFlow restores its SavedModel natively).
 *
 * @param parameters    number of float parameters of the graph (encoder, pooler and heads)
 * @param largestTensor floats of the largest weight (the word embedding table for every released model)
 * @param weightBytes   parameters x 4
 * @param residentBytes bytes one loaded model keeps outside the Java heap
 * @param loadPeakBytes bytes outside the heap at the peak of loading one model (at least {@code residentBytes})
 * @param loadHeapBytes Java heap the load needs while it runs
 */
public record ModelMemory(long parameters, long largestTensor, long weightBytes, long residentBytes,
    long loadPeakBytes, long loadHeapBytes) {

  /** Models alive at once during a hot swap: the serving one and the one being loaded. */
  public static final int LIVE_MODELS_DURING_SWAP = 2;
  /** Kept free beside the estimates for the rest of the process (threads, buffers, the tokenizer, the JIT). */
  public static final long HEADROOM_BYTES = 256L << 20;

  /** The engine a model is loaded on, for {@link #estimate}. */
  public enum Engine {
    /** TensorFlow fp32 or bf16 (the bundle's SavedModel). */
    TENSORFLOW,
    /** ONNX Runtime fp32 (the model file read into the heap, then parsed by ONNX Runtime). */
    ONNXRUNTIME_FP32,
    /** ONNX Runtime int8 (as fp32, plus the quantizer's copy of the model on the heap). */
    ONNXRUNTIME_INT8
  }

  /** The estimate of {@code cfg} with {@code heads} on {@code engine}. */
  public static ModelMemory estimate(BertConfig cfg, HeadsSpec heads, Engine engine) {
    long params = parameters(cfg, heads);
    long e = cfg.embeddingSize();
    long largest = Math.max((long) cfg.vocabSize() * e, (long) cfg.hiddenSize() * cfg.intermediateSize());
    long weights = 4 * params;
    return switch (engine) {
      case TENSORFLOW -> new ModelMemory(params, largest, weights, weights + 4 * largest, weights + 4 * largest, 0);
      // measured on XLM-R-base: 2.1x resident, 3.6x at the peak of creating the session, the file's bytes on the heap
      case ONNXRUNTIME_FP32 -> new ModelMemory(params, largest, weights, weights * 22 / 10, weights * 37 / 10,
          weights);
      // int8 kernels are a quarter of fp32 but the embedding tables stay float: resident as the weights; loading
      // parses the fp32 model first; the quantizer holds the file, a parsed copy and the quantized bytes
      case ONNXRUNTIME_INT8 -> new ModelMemory(params, largest, weights, weights, weights * 37 / 10,
          weights + weights + weights / 4);
    };
  }

  /** Parameters of the graph {@link BertGraph#build} makes for {@code cfg} and {@code heads}, by arithmetic. */
  public static long parameters(BertConfig cfg, HeadsSpec heads) {
    long h = cfg.hiddenSize();
    long e = cfg.embeddingSize();
    long i = cfg.intermediateSize();
    long embeddings = ((long) cfg.vocabSize() + cfg.typeVocabSize() + cfg.maxPositionEmbeddings()) * e + 2 * e;
    long projection = cfg.projectsEmbeddings() ? e * h + h : 0;
    long layer = 4 * (h * h + h) + 2 * (2 * h) + (h * i + i) + (i * h + h);
    long pooler = h * h + h;
    long classHead = heads.numClasses() * (h + 1);
    long tokenHead = heads.numTokenLabels() * (h + 1);
    return embeddings + projection + cfg.numHiddenLayers() * layer + pooler + classHead + tokenHead;
  }

  /**
   * Refuses, naming every figure, unless this model fits: {@code liveModels - 1} resident copies plus one copy at its
   * loading peak within the memory left beside the Java heap ({@code physicalLimit - heapReserved}, when the limit is
   * known), and the load's heap within {@code heapFree}, each with {@link #HEADROOM_BYTES} to spare. The heap counts
   * with what it has reserved now, not its maximum: refusing every model a heap could one day crowd out would refuse
   * models that serve today (the images give the heap half the container).
   *
   * @param what          the model, for the message (e.g. "bundle /models/xlmr (xlm-roberta L=12 H=768 V=250002)")
   * @param heapFree      Java heap that can still be allocated ({@link #freeHeap()})
   * @param heapReserved  the Java heap's current reservation ({@code Runtime.totalMemory()})
   * @param physicalLimit memory the process may use in all ({@link #physicalLimit()}); {@code Long.MAX_VALUE} when
   *                      unknown (the native check is then skipped)
   * @throws IllegalStateException when it would not fit
   */
  public void requireFits(String what, long heapFree, long heapReserved, long physicalLimit, int liveModels) {
    if (loadHeapBytes > 0 && loadHeapBytes + HEADROOM_BYTES > heapFree) {
      throw new IllegalStateException(what + " does not fit the Java heap: loading it needs about "
          + mib(loadHeapBytes) + " of heap (" + String.format(Locale.ROOT, "%,d", parameters) + " parameters, "
          + mib(weightBytes) + " in fp32) plus " + mib(HEADROOM_BYTES) + " to spare, but only " + mib(heapFree)
          + " of heap is free; raise -Xmx (JAVA_OPTS), serve it on TensorFlow (which "
          + "loads outside the heap) or serve a smaller model");
    }
    if (liveModels < 1) {
      throw new IllegalArgumentException("liveModels must be at least 1, got " + liveModels);
    }
    if (physicalLimit == Long.MAX_VALUE) {
      return;
    }
    long outsideHeap = physicalLimit - heapReserved;
    long needed = (liveModels - 1) * residentBytes + loadPeakBytes + HEADROOM_BYTES;
    if (needed > outsideHeap) {
      throw new IllegalStateException(what + " does not fit in memory: " + liveModels + " live "
          + (liveModels == 1 ? "copy needs" : "copies (a hot swap keeps the serving model until the new one passes "
          + "its golden check) need") + " about " + mib(needed) + " outside the Java heap ("
          + String.format(Locale.ROOT, "%,d", parameters) + " parameters, " + mib(weightBytes) + " in fp32 each, "
          + mib(residentBytes) + " resident and " + mib(loadPeakBytes) + " while loading on this engine, "
          + mib(HEADROOM_BYTES) + " to spare), but the memory limit "
          + mib(physicalLimit) + " less the " + mib(heapReserved) + " the Java heap holds leaves "
          + mib(Math.max(0, outsideHeap)) + "; give the process more memory, serve it on TensorFlow fp32 (which "
          + "needs the least while loading), or serve a smaller model");
    }
  }

  /** {@link #requireFits(String, long, long, long, int)} with this JVM's heap and this machine's memory limit. */
  public void requireFitsHere(String what, int liveModels) {
    requireFits(what, freeHeap(), Runtime.getRuntime().totalMemory(), physicalLimit(), liveModels);
  }

  /** Java heap that can still be allocated: the limit less what is in use now. */
  public static long freeHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
  }

  /**
   * The process's memory limit: the cgroup's {@code memory.max} (v2) or {@code memory.limit_in_bytes} (v1) when set,
   * else the machine's {@code MemTotal}; {@code Long.MAX_VALUE} when none can be read.
   */
  public static long physicalLimit() {
    long limit = Long.MAX_VALUE;
    for (String file : List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      try {
        String v = Files.readString(Path.of(file)).trim();
        if (v.matches("\\d{1,19}")) {
          limit = Math.min(limit, Long.parseLong(v));
        }
      } catch (IOException | RuntimeException e) {
        // not in a cgroup with a limit: fall through to MemTotal
      }
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          limit = Math.min(limit, Long.parseLong(line.replaceAll("\\D", "")) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return limit;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
  }
}
