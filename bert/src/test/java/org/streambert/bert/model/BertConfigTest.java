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
}
