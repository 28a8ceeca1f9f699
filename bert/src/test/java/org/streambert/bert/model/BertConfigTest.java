package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertConfigTest {
  // The bert_config.json of Google's BERT-Base, Uncased release.
  private static final String GOOGLE_BASE_UNCASED = """
      {
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 768,
        "initializer_range": 0.02,
        "intermediate_size": 3072,
        "max_position_embeddings": 512,
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "type_vocab_size": 2,
        "vocab_size": 30522
      }
      """;

  @Test
  void shouldReadGoogleBaseConfigAsTheDefaults() {
    assertEquals(BertConfig.base(30522), BertConfig.fromJson(GOOGLE_BASE_UNCASED));
  }

  @Test
  void shouldReadGooglesGeluAsTheTanhApproximation() {
    assertEquals(Activation.GELU_TANH, BertConfig.fromJson(GOOGLE_BASE_UNCASED).hiddenAct());
  }

  @Test
  void shouldReadHuggingFaceTanhAndExactGeluNames() {
    assertEquals(Activation.GELU_TANH, Activation.fromConfigName("gelu_new"));
    assertEquals(Activation.GELU_TANH, Activation.fromConfigName("gelu_pytorch_tanh"));
    assertEquals(Activation.GELU_ERF, Activation.fromConfigName("gelu_exact"));
    assertEquals(Activation.GELU_ERF, Activation.fromConfigName("GELU_ERF"));
  }

  @Test
  void shouldRoundTripEveryFieldThroughJson(@TempDir Path dir) {
    BertConfig cfg = new BertConfig(1234, 48, 3, 4, 96, Activation.GELU_ERF, 0.2, 0.05, 77, 3, 0.03);
    Path file = dir.resolve("bert_config.json");
    cfg.write(file);
    assertEquals(cfg, BertConfig.read(file));
    for (Activation act : Activation.values()) {
      assertEquals(act, BertConfig.fromJson(cfg.withHiddenAct(act).toJson()).hiddenAct());
    }
  }

  @Test
  void shouldRejectHiddenSizeNotDivisibleByHeads() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new BertConfig(100, 30, 2, 4, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02));
    assertTrue(e.getMessage().contains("hidden_size (30)") && e.getMessage().contains("num_attention_heads (4)"),
        e.getMessage());
  }

  @Test
  void shouldNameTheUnsupportedActivation() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertConfig.fromJson(GOOGLE_BASE_UNCASED.replace("\"gelu\"", "\"swish\"")));
    assertTrue(e.getMessage().contains("swish"), e.getMessage());
  }

  @Test
  void shouldRequireVocabSize() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertConfig.fromJson("{\"hidden_size\": 768}"));
    assertTrue(e.getMessage().contains("vocab_size"), e.getMessage());
  }

  @Test
  void shouldRejectMistypedField() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertConfig.fromJson(GOOGLE_BASE_UNCASED.replace("\"num_hidden_layers\": 12",
            "\"num_hidden_layers\": \"twelve\"")));
    assertTrue(e.getMessage().contains("num_hidden_layers"), e.getMessage());
  }

  @Test
  void shouldRejectDropoutOutsideUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> TinyBert.CONFIG.withDropout(1.0, 0.1));
  }

  @Test
  void shouldTruncateToTheFirstLayersOnly() {
    assertEquals(1, TinyBert.CONFIG.truncated(1).numHiddenLayers());
    assertThrows(IllegalArgumentException.class, () -> TinyBert.CONFIG.truncated(3));
    assertThrows(IllegalArgumentException.class, () -> TinyBert.CONFIG.truncated(0));
  }

  @Test
  void shouldWritePlainBertWithoutFamilyKeysSoOldBundlesStayByteIdentical() {
    BertConfig bert = new BertConfig(100, 32, 2, 4, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02);
    String json = bert.toJson();
    assertTrue(!json.contains(BertConfig.MODEL_FAMILY_KEY) && !json.contains(BertConfig.LAYER_NORM_EPS_KEY), json);
    BertConfig read = BertConfig.fromJson(json);
    assertEquals(bert, read);
    assertEquals(ModelFamily.BERT, read.family());
    assertEquals(64, read.maxSequenceLength());
  }

  @Test
  void shouldRoundTripEveryFamilyOptionThroughJson() {
    BertConfig base = new BertConfig(100, 32, 2, 4, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02);
    BertConfig roberta = base.asFamily(ModelFamily.XLM_ROBERTA);
    assertEquals(1e-5, roberta.layerNormEps());
    assertEquals(1, roberta.positionPaddingIdx());
    assertEquals(64, roberta.maxSequenceLength(), "514 - 2 positions, as RoBERTa's 512 tokens");
    assertEquals(roberta, BertConfig.fromJson(roberta.toJson()));
    BertConfig electra = base.asFamily(ModelFamily.ELECTRA).withOptions(ModelFamily.ELECTRA, 1e-12, -1, 16,
        Activation.GELU_ERF);
    assertTrue(electra.projectsEmbeddings());
    assertEquals(electra, BertConfig.fromJson(electra.toJson()));
    assertEquals(Activation.RELU, base.asFamily(ModelFamily.DISTILBERT).headAct());
    assertEquals(electra.withNumHiddenLayers(1).embeddingSize(), 16, "copies keep the family options");
  }

  @Test
  void shouldRefuseFamilyOptionsOutOfRange() {
    BertConfig base = new BertConfig(100, 32, 2, 4, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02);
    assertThrows(IllegalArgumentException.class,
        () -> base.withOptions(ModelFamily.ROBERTA, 1e-5, 65, 32, Activation.TANH));
    assertThrows(IllegalArgumentException.class,
        () -> base.withOptions(ModelFamily.ROBERTA, 0, 1, 32, Activation.TANH));
    assertThrows(IllegalArgumentException.class,
        () -> base.withOptions(ModelFamily.ELECTRA, 1e-12, -1, 0, Activation.TANH));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BertConfig.fromJson("{\"vocab_size\": 10, \"model_family\": \"gpt2\"}"));
    assertTrue(e.getMessage().contains("unknown model_family"), e.getMessage());
  }
}
