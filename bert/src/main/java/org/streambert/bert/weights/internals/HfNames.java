package org.streambert.bert.weights.internals;

import java.util.regex.Matcher;
import org.streambert.bert.model.ModelFamily;
import java.util.regex.Pattern;

/**
 * The one table between this project's variable names (Google's checkpoint names, {@code BertGraph}) and Hugging Face
 * transformers' parameter names, for the BERT, RoBERTa (XLM-R, CamemBERT: same names), ELECTRA and DistilBERT
 * layouts. RoBERTa and ELECTRA name their encoder as BERT does (under {@code roberta.}/{@code electra.}; ELECTRA adds
 * {@code embeddings_project}), DistilBERT has its own layer names. Import and export both go through here, so the
 * two directions cannot disagree.
 *
 * <p>HF's {@code nn.Linear} stores {@code weight} as [out, in]; Google's dense {@code kernel} is [in, out], so every
 * {@code .../kernel} is transposed on the way (see {@link Mapping#transposed()}). Head matrices
 * ({@code cls_head/output_weights} [C, H], {@code token_head/output_weights} [K, H], {@code cls/squad/output_weights}
 * [2, H]) already have HF's [out, in] layout and are not.
 */
public final class HfNames {
  /** Prefix of the encoder's parameters in HF task models ({@code BertFor...}); bare {@code BertModel} has none. */
  public static final String BERT_PREFIX = "bert.";
  /** Prefix of DistilBERT's encoder parameters in task models. */
  public static final String DISTILBERT_PREFIX = "distilbert.";

  private static final Pattern LAYER = Pattern.compile("^bert/encoder/layer_(\\d+)/(.*)$");

  private HfNames() {}

  /** The model families whose parameter names this table knows. */
  public enum Family {
    BERT, DISTILBERT
  }

  /**
   * Where a Google-named variable lives in an HF file.
   *
   * @param hfName     HF parameter name, without the family prefix for encoder weights (add it per file)
   * @param encoder    whether it is an encoder parameter (takes the {@code bert.}/{@code distilbert.} prefix)
   * @param transposed whether the HF tensor is the transpose of the variable ([out, in] vs [in, out])
   */
  public record Mapping(String hfName, boolean encoder, boolean transposed) {}

  /**
   * The HF parameter of a Google-named variable, or null when the family has none (DistilBERT has no pooler and no
   * token type table).
   *
   * @param head what {@code cls_head/*} and {@code token_head/*} map to: {@code classifier} for BERT and DistilBERT
   */
  public static Mapping toHf(Family family, String google) {
    return toHf(family == Family.BERT ? ModelFamily.BERT : ModelFamily.DISTILBERT, google, false);
  }

  /**
   * The HF parameter of a Google-named variable in a file of {@code family}, or null when that file has none.
   *
   * <p>The graph's first-token dense layer ({@code bert/pooler/dense}) is BERT's pooler; in a sequence classifier
   * ({@code sequenceHead}) of the other families it is the head's own dense layer: RoBERTa's and ELECTRA's
   * {@code classifier.dense}, DistilBERT's {@code pre_classifier}, whose output layer ({@code cls_head/*}) is
   * {@code classifier.out_proj} (RoBERTa, ELECTRA) or {@code classifier} (BERT, DistilBERT). Encoders of RoBERTa keep
   * their {@code pooler.dense}; DistilBERT and ELECTRA have no pooler.
   */
  public static Mapping toHf(ModelFamily family, String google, boolean sequenceHead) {
    boolean outProj = family.offsetPositions() || family == ModelFamily.ELECTRA;
    if (google.startsWith("bert/pooler/dense/") && family != ModelFamily.BERT) {
      String leaf = google.substring("bert/pooler/dense/".length());
      boolean kernel = leaf.equals("kernel");
      if (sequenceHead) {
        String module = family == ModelFamily.DISTILBERT ? "pre_classifier" : "classifier.dense";
        return new Mapping(module + (kernel ? ".weight" : ".bias"), false, kernel);
      }
      if (!family.offsetPositions()) {
        return null; // DistilBERT and ELECTRA encoders have no pooler
      }
    }
    switch (google) {
      case "cls_head/output_weights" -> {
        return new Mapping(outProj ? "classifier.out_proj.weight" : "classifier.weight", false, false);
      }
      case "cls_head/output_bias" -> {
        return new Mapping(outProj ? "classifier.out_proj.bias" : "classifier.bias", false, false);
      }
      case "token_head/output_weights" -> {
        return new Mapping("classifier.weight", false, false);
      }
      case "token_head/output_bias" -> {
        return new Mapping("classifier.bias", false, false);
      }
      case "cls/squad/output_weights" -> {
        return new Mapping("qa_outputs.weight", false, false);
      }
      case "cls/squad/output_bias" -> {
        return new Mapping("qa_outputs.bias", false, false);
      }
      default -> {
        // encoder below
      }
    }
    if (!google.startsWith("bert/")) {
      return null;
    }
    return family == ModelFamily.DISTILBERT ? distilbert(google) : bert(google);
  }

  private static Mapping bert(String google) {
    String rest = google.substring("bert/".length());
    Matcher m = LAYER.matcher(google);
    if (m.matches()) {
      rest = "encoder/layer/" + m.group(1) + "/" + m.group(2);
    }
    return parameter(rest);
  }

  private static Mapping distilbert(String google) {
    if (google.startsWith("bert/pooler/") || google.equals("bert/embeddings/token_type_embeddings")) {
      return null;
    }
    Matcher m = LAYER.matcher(google);
    if (!m.matches()) {
      return parameter(google.substring("bert/".length())); // embeddings: same names as BERT's
    }
    String inLayer = m.group(2);
    String module;
    String leaf;
    int slash = inLayer.lastIndexOf('/');
    String path = inLayer.substring(0, slash);
    leaf = inLayer.substring(slash + 1);
    switch (path) {
      case "attention/self/query" -> module = "attention/q_lin";
      case "attention/self/key" -> module = "attention/k_lin";
      case "attention/self/value" -> module = "attention/v_lin";
      case "attention/output/dense" -> module = "attention/out_lin";
      case "attention/output/LayerNorm" -> module = "sa_layer_norm";
      case "intermediate/dense" -> module = "ffn/lin1";
      case "output/dense" -> module = "ffn/lin2";
      case "output/LayerNorm" -> module = "output_layer_norm";
      default -> {
        return null;
      }
    }
    return parameter("transformer/layer/" + m.group(1) + "/" + module + "/" + leaf);
  }

  /** {@code a/b/kernel} → {@code a.b.weight} (transposed), gamma → weight, beta → bias, a table → {@code .weight}. */
  private static Mapping parameter(String slashed) {
    int slash = slashed.lastIndexOf('/');
    String leaf = slashed.substring(slash + 1);
    String module = slashed.substring(0, Math.max(slash, 0)).replace('/', '.');
    return switch (leaf) {
      case "kernel" -> new Mapping(module + ".weight", true, true);
      case "bias", "beta" -> new Mapping(module + ".bias", true, false);
      case "gamma" -> new Mapping(module + ".weight", true, false);
      default -> new Mapping(slashed.replace('/', '.') + ".weight", true, false); // embedding tables
    };
  }

  /**
   * The older LayerNorm names some checkpoints converted from TF still carry ({@code LayerNorm.gamma} for
   * {@code LayerNorm.weight}, {@code LayerNorm.beta} for {@code .bias}); null when there is none.
   */
  public static String legacyLayerNormName(String hfName) {
    if (hfName.endsWith("LayerNorm.weight")) {
      return hfName.substring(0, hfName.length() - "weight".length()) + "gamma";
    }
    if (hfName.endsWith("LayerNorm.bias")) {
      return hfName.substring(0, hfName.length() - "bias".length()) + "beta";
    }
    return null;
  }
}
