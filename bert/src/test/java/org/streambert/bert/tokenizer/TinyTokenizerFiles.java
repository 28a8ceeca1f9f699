package org.streambert.bert.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small {@code tokenizer.json} files built in the test, in the formats the Hub's tokenizers have, so that the default
 * tests need no downloaded file: a byte-level BPE of RoBERTa's shape and a SentencePiece Unigram with Metaspace and an
 * XLM-R template.
 */
public final class TinyTokenizerFiles {

  public static final ObjectMapper JSON = new ObjectMapper();

  /** RoBERTa's special tokens: ids 0..3, and {@code <mask>} last. */
  public static final int BOS = 0;
  public static final int PAD = 1;
  public static final int EOS = 2;
  public static final int UNK = 3;

  private TinyTokenizerFiles() {}

  /** GPT-2's {@code bytes_to_unicode}: the printable stand-in of each byte. */
  public static String byteChar(int b) {
    if (b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
      return new String(Character.toChars(b));
    }
    int n = 0;
    for (int x = 0; x < b; x++) {
      if (!(x >= '!' && x <= '~' || x >= 0xA1 && x <= 0xAC || x >= 0xAE && x <= 0xFF)) {
        n++;
      }
    }
    return new String(Character.toChars(256 + n));
  }

  /**
   * A RoBERTa-shaped byte-level BPE: specials 0..3, the 256 byte symbols 4..259, then the merges' results in order,
   * then {@code <mask>}. {@code withType} false writes the older format without {@code model.type}.
   */
  public static ObjectNode bpe(List<String> merges, boolean withType) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    vocab.put("<s>", BOS);
    vocab.put("<pad>", PAD);
    vocab.put("</s>", EOS);
    vocab.put("<unk>", UNK);
    for (int b = 0; b < 256; b++) {
      vocab.put(byteChar(b), vocab.size());
    }
    for (String m : merges) {
      vocab.putIfAbsent(m.replace(" ", ""), vocab.size());
    }
    int mask = vocab.size();
    vocab.put("<mask>", mask);
    ObjectNode root = header(mask);
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel");
    pre.put("add_prefix_space", false);
    pre.put("trim_offsets", true);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "RobertaProcessing");
    post.putArray("sep").add("</s>").add(EOS);
    post.putArray("cls").add("<s>").add(BOS);
    post.put("trim_offsets", true);
    post.put("add_prefix_space", false);
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel");
    dec.put("add_prefix_space", true);
    dec.put("trim_offsets", true);
    ObjectNode model = root.putObject("model");
    if (withType) {
      model.put("type", "BPE");
    }
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    ObjectNode v = model.putObject("vocab");
    vocab.forEach(v::put);
    ArrayNode m = model.putArray("merges");
    merges.forEach(m::add);
    return root;
  }

  /**
   * An XLM-R-shaped Unigram: {@code <s> <pad> </s> <unk>} at 0..3, then the pieces with their scores, then
   * {@code <mask>}; NFKC normaliser (t5's and XLM-R's {@code Precompiled} is binary: the opt-in tests use t5-small's),
   * Metaspace pre-tokenizer prepending {@code ▁}, template {@code <s> A </s>} / {@code <s> A </s></s> B </s>}.
   */
  public static ObjectNode unigram(Map<String, Double> pieces, boolean withType) {
    ObjectNode root = header(4 + pieces.size());
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", "NFKC");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Metaspace");
    pre.put("replacement", "\u2581");
    pre.put("prepend_scheme", "always");
    pre.put("split", true);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.add(special("<s>", 0)).add(sequence("A", 0)).add(special("</s>", 0));
    ArrayNode pair = post.putArray("pair");
    pair.add(special("<s>", 0)).add(sequence("A", 0)).add(special("</s>", 0)).add(special("</s>", 0))
        .add(sequence("B", 0)).add(special("</s>", 0));
    ObjectNode st = post.putObject("special_tokens");
    st.set("<s>", specialEntry("<s>", BOS));
    st.set("</s>", specialEntry("</s>", EOS));
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "Metaspace");
    dec.put("replacement", "\u2581");
    dec.put("prepend_scheme", "always");
    dec.put("split", true);
    ObjectNode model = root.putObject("model");
    if (withType) {
      model.put("type", "Unigram");
    }
    model.put("unk_id", UNK);
    ArrayNode v = model.putArray("vocab");
    for (String s : List.of("<s>", "<pad>", "</s>", "<unk>")) {
      v.addArray().add(s).add(0.0);
    }
    pieces.forEach((p, score) -> v.addArray().add(p).add(score));
    v.addArray().add("<mask>").add(0.0);
    model.put("byte_fallback", false);
    return root;
  }

  public static Path write(Path dir, ObjectNode root) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, JSON.writeValueAsString(root), StandardCharsets.UTF_8);
    return f;
  }

  /** The top of a RoBERTa/XLM-R file: version, no truncation or padding, the special tokens as added tokens. */
  private static ObjectNode header(int mask) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    added.add(added("<s>", BOS, false));
    added.add(added("<pad>", PAD, false));
    added.add(added("</s>", EOS, false));
    added.add(added("<unk>", UNK, false));
    added.add(added("<mask>", mask, true));
    return root;
  }

  private static ObjectNode added(String content, int id, boolean lstrip) {
    ObjectNode t = JSON.createObjectNode();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", lstrip);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
    return t;
  }

  private static ObjectNode special(String id, int type) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("SpecialToken").put("id", id).put("type_id", type);
    return o;
  }

  private static ObjectNode sequence(String id, int type) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("Sequence").put("id", id).put("type_id", type);
    return o;
  }

  private static ObjectNode specialEntry(String token, int id) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", token);
    o.putArray("ids").add(id);
    o.putArray("tokens").add(token);
    return o;
  }
}
