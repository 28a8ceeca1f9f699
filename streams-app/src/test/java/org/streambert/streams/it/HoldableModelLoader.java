package org.streambert.streams.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.Precision;
import org.streambert.streams.serving.LoadedModel;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.serving.TensorFlowModelLoader;

/**
 * The TensorFlow loader (fp32) whose forward pass a test can hold up, so that it can SIGKILL an instance while the
 * instance is inside a batch: while the file {@value #HOLD} exists in the directory named by the system property
 * {@value #DIR_PROPERTY}, every forward pass first creates {@value #IN_BATCH} there and sleeps the milliseconds the
 * hold file holds. The outputs are the real model's. Named by {@code nlp.model.loader.class} in a child JVM.
 */
public final class HoldableModelLoader implements ModelLoader {

  static final String DIR_PROPERTY = "streambert.it.hold.dir";
  static final String HOLD = "hold";
  static final String IN_BATCH = "in-batch";

  private final TensorFlowModelLoader tensorFlow = new TensorFlowModelLoader(Precision.FP32);
  private final Path dir = Path.of(System.getProperty(DIR_PROPERTY, "."));

  @Override
  public LoadedModel load(ModelBundle bundle) throws IOException {
    LoadedModel real = tensorFlow.load(bundle);
    return new LoadedModel(real.tokenizer(), new Holding(real.forwardPass(), dir), real.engine());
  }

  private record Holding(ForwardPass pass, Path dir) implements ForwardPass {
    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      Path hold = dir.resolve(HOLD);
      if (Files.exists(hold)) {
        try {
          long ms = Long.parseLong(Files.readString(hold).trim());
          Files.writeString(dir.resolve(IN_BATCH), String.valueOf(batch));
          Thread.sleep(ms);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return pass.run(batch, seqLen, inputIds, inputMask, segmentIds);
    }

    @Override
    public int hiddenSize() {
      return pass.hiddenSize();
    }

    @Override
    public int numClasses() {
      return pass.numClasses();
    }

    @Override
    public int numTokenLabels() {
      return pass.numTokenLabels();
    }

    @Override
    public void close() {
      pass.close();
    }
  }
}
