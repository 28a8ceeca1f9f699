package org.streambert.trainer.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.onnx.OnnxBundles;

/**
 * Gives a run directory's bundle its ONNX export ({@code onnx/model.onnx}, listed and hashed in a new manifest,
 * {@link OnnxBundles#writeWithOnnx}) before it is published, so that the streams app can serve it on ONNX Runtime
 * ({@code nlp.model.engine=auto|onnxruntime}). The run's {@code bundle/} is replaced by the bundle with the file: the
 * new one is written beside it, then renamed into place; a crash between the two renames is finished by the next
 * call. A bundle that already carries the file is left as it is, so publishing twice publishes the same manifest.
 */
public final class OnnxRuns {

  private static final String STAGED = ".bundle-with-onnx";
  private static final String REPLACED = ".bundle-without-onnx";

  private OnnxRuns() {
  }

  /** The run's bundle with its ONNX file (added now if it had none); progress goes to {@code log}. */
  public static ModelBundle addOnnx(Path runDir, PrintStream log) throws IOException {
    Path bundleDir = runDir.resolve(RunReport.BUNDLE_DIR);
    Path staged = runDir.resolve(STAGED);
    Path replaced = runDir.resolve(REPLACED);
    if (!Files.exists(bundleDir) && Files.isDirectory(staged)) { // a crash between the renames below
      Files.move(staged, bundleDir, StandardCopyOption.ATOMIC_MOVE);
    }
    ModelBundle bundle = ModelBundle.open(bundleDir);
    if (OnnxBundles.hasOnnx(bundle)) {
      deleteIfPresent(replaced);
      return bundle;
    }
    deleteIfPresent(staged);
    deleteIfPresent(replaced);
    long start = System.nanoTime();
    OnnxBundles.writeWithOnnx(bundle, staged);
    Files.move(bundleDir, replaced, StandardCopyOption.ATOMIC_MOVE);
    Files.move(staged, bundleDir, StandardCopyOption.ATOMIC_MOVE);
    BundleIO.fsyncDirectory(runDir);
    deleteIfPresent(replaced);
    ModelBundle withOnnx = ModelBundle.open(bundleDir);
    log.printf(Locale.ROOT, "added %s to %s in %.1f s (%d MB); manifest sha256 %s%n", OnnxBundles.ONNX_FILE,
        bundleDir, (System.nanoTime() - start) / 1e9, Files.size(bundleDir.resolve(OnnxBundles.ONNX_FILE)) >> 20,
        withOnnx.manifestSha256());
    return withOnnx;
  }

  private static void deleteIfPresent(Path dir) throws IOException {
    if (Files.exists(dir)) {
      BundleIO.deleteRecursively(dir);
    }
  }
}
