package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.weights.HuggingFaceExport;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer export}: a bundle to another format. Each {@link Format} is one branch of {@link #call}; the bundle
 * is opened and verified (manifest hashes) first, whatever the format.
 */
@Command(name = "export",
    description = "Writes a bundle (or a run directory's bundle) in another format: --format hf, a Hugging Face model "
        + "directory (config.json, model.safetensors, vocab.txt, tokenizer_config.json; sentence-transformers "
        + "modules for a mean/cls/max-pooling bundle) that transformers' from_pretrained reads; --format onnx, a "
        + "directory with model.onnx (opset 17, standard ops: inputs input_ids, attention_mask, token_type_ids int64 "
        + "[batch, sequence]; outputs sequence_output, pooled_output and each head's logits and probabilities), "
        + "vocab.txt and model.json (labels, casing, sequence length).")
public final class ExportCommand implements Callable<Integer> {

  /** The formats {@code --format} accepts. */
  public enum Format {
    /** Hugging Face transformers: {@link HuggingFaceExport}. */
    HF("hf"),
    /** ONNX: {@link OnnxExporter#exportBundle}, beside the vocabulary and the bundle's model.json. */
    ONNX("onnx");

    private final String option;

    Format(String option) {
      this.option = option;
    }

    /** The name on the command line. */
    public String option() {
      return option;
    }

    static Format of(String value) {
      for (Format f : values()) {
        if (f.option.equals(value.toLowerCase(Locale.ROOT))) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown --format " + value + "; accepted: "
          + Arrays.stream(values()).map(Format::option).toList());
    }
  }

  @Mixin HelpOption help = new HelpOption();

  @Option(names = "--format", required = true, paramLabel = "hf|onnx", description = "Output format.") String format;

  @Option(names = "--bundle", required = true, paramLabel = "DIR",
      description = "A bundle directory, or a run directory holding bundle/.") Path bundle;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist).")
  Path out;

  @Option(names = "--head", paramLabel = "NAME",
      description = "With --format hf, for a bundle with a classification and a token head: the one to export (a "
          + "Hugging Face model has one head).")
  String head;

  @Override
  public Integer call() throws Exception {
    Format f = Format.of(format);
    Path dir = bundle.resolve(RunReport.BUNDLE_DIR).toFile().isDirectory() ? bundle.resolve(RunReport.BUNDLE_DIR)
        : bundle;
    ModelBundle opened = ModelBundle.open(dir);
    switch (f) {
      case HF -> HuggingFaceExport.write(opened, head, out);
      case ONNX -> {
        if (head != null) {
          throw new IllegalArgumentException("--head is for --format hf; the ONNX model has every head of the bundle");
        }
        writeOnnx(opened, out);
      }
      default -> throw new IllegalStateException("unhandled format " + f);
    }
    System.out.println("wrote " + out + " (" + f.option() + ", " + opened.model().name() + " "
        + opened.model().version() + ")");
    return ExitCodes.OK;
  }

  /** The file names of an ONNX export directory. */
  public static final String ONNX_MODEL = "model.onnx";

  /**
   * Writes {@code out/}{@value #ONNX_MODEL}, {@code vocab.txt} and {@code model.json} (labels, casing, sequence
   * length) into a temporary sibling, fsyncs and renames it; refuses an existing {@code out}.
   */
  static void writeOnnx(ModelBundle bundle, Path out) throws IOException {
    Path target = out.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new IllegalArgumentException("--out " + out + " already exists; refusing to overwrite it");
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
    try {
      OnnxExporter.exportBundle(bundle, temp.resolve(ONNX_MODEL));
      Files.copy(bundle.vocabFile(), temp.resolve(ModelBundle.VOCAB_FILE));
      Files.copy(bundle.dir().resolve(ModelBundle.MODEL_FILE), temp.resolve(ModelBundle.MODEL_FILE));
      BundleIO.fsyncTree(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      BundleIO.fsyncDirectory(target.getParent());
    } catch (IOException | RuntimeException e) {
      BundleIO.deleteRecursively(temp);
      throw e;
    }
  }
}
