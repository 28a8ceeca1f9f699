package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.label.LabelStudio;
import org.streambert.trainer.label.internals.LabelLoop;
import org.streambert.trainer.label.internals.LabelQueue;
import org.streambert.trainer.label.internals.LabelServer;
import org.streambert.trainer.label.internals.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer label}: the people's side of the learning loop. Serves a labelling page for the requests on
 * {@code needs-labeling} and writes each answer as a signed {@code TrainingExample}; also exports the open requests as
 * Label Studio tasks and imports Label Studio's JSON export. A command of its own beside {@code trainer serve}, not part
 * of it: the page is an interactive web service for many people, with its own key (a labeller key, never the trainer's
 * checkpoint key), its own users and its own uptime, while serve is one CPU-heavy process that trains for minutes at a
 * time; one compromised or busy does not take the other with it.
 */
@Command(name = "label", mixinStandardHelpOptions = true,
    description = {"Serves the labelling page: one request of needs-labeling at a time with the model's suggestion, "
        + "accept / correct / skip / not applicable, each answer written once as a TrainingExample signed with "
        + "--labeller-key, with the person's name, the time and the model version that asked.",
        "--add-user NAME appends a user to --users-file (password read from standard input); "
            + "--export-label-studio / --import-label-studio convert to and from Label Studio's JSON and exit."})
public final class LabelCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--http-port", defaultValue = "8090", description = "Port of the page (0: any free port). "
      + "Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind. Anything but loopback needs "
      + "--tls-keystore. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(names = "--users-file", paramLabel = "FILE", description = "Who may label: lines "
      + "<name>:pbkdf2-sha256:<iterations>:<salt>:<hash> (write them with --add-user).")
  Path usersFile;

  @Option(names = "--add-user", paramLabel = "NAME", description = "Append NAME to --users-file with the password "
      + "read from standard input (one line), then exit.")
  String addUser;

  @Option(names = "--labeller-key", paramLabel = "FILE", description = "The page's Ed25519 private key (`trainer "
      + "keygen`): every answer is signed with it; trainer serve trusts its public half (--labeller-keys).")
  Path labellerKey;

  @Option(names = "--labeller-keys", paramLabel = "FILE", description = "Further labeller public keys whose answers "
      + "count for progress and agreement (other pages, imports). The page's own key always counts.")
  Path labellerKeys;

  @Option(names = "--requests-topic", defaultValue = Topics.NEEDS_LABELING, description = "Default: "
      + "${DEFAULT-VALUE}.")
  String requestsTopic;

  @Option(names = "--examples-topic", defaultValue = Topics.TRAINING_EXAMPLES, description = "Default: "
      + "${DEFAULT-VALUE}.")
  String examplesTopic;

  @Option(names = "--runs-topic", defaultValue = Topics.TRAINING_RUNS, description = "Default: ${DEFAULT-VALUE}.")
  String runsTopic;

  @Option(names = "--double-label-share", defaultValue = "0.1", description = "Share of requests (by a hash of the "
      + "id) answered by two people, for the agreement figure. Default: ${DEFAULT-VALUE}.")
  double doubleLabelShare;

  @Option(names = "--max-requests", defaultValue = "10000", description = "Open requests kept in memory (the oldest "
      + "are dropped beyond). Default: ${DEFAULT-VALUE}.")
  int maxRequests;

  @Option(names = "--classes", split = ",", paramLabel = "CLASS", description = "Classes offered besides those "
      + "seen in requests and answers.")
  List<String> classes = List.of();

  @Option(names = "--entity-types", split = ",", paramLabel = "TYPE", description = "Entity types offered besides "
      + "those seen in requests.")
  List<String> entityTypes = List.of();

  @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS#12 key store with the page's TLS key "
      + "and certificate; required unless --bind is a loopback address.")
  Path tlsKeystore;

  @Option(names = "--tls-password-file", paramLabel = "FILE", description = "File holding the key store's password.")
  Path tlsPasswordFile;

  @Option(names = "--export-label-studio", paramLabel = "FILE", description = "Write the open requests as Label "
      + "Studio tasks with predictions (JSON) and exit.")
  Path exportLabelStudio;

  @Option(names = "--import-label-studio", paramLabel = "FILE", description = "Read a Label Studio JSON export and "
      + "write each annotation as a TrainingExample signed with --labeller-key (once per request and annotator), "
      + "then exit.")
  Path importLabelStudio;

  /** Runs until the JVM stops (tests stop it with {@link #stop()}). */
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile LabelServer server;

  @Override
  public Integer call() throws Exception {
    if (addUser != null) {
      return addUser();
    }
    kafka.require("label");
    if (labellerKey == null) {
      throw new IllegalArgumentException("label needs --labeller-key (answers are signed)");
    }
    if (!(doubleLabelShare >= 0 && doubleLabelShare <= 1) || maxRequests < 1) {
      throw new IllegalArgumentException("--double-label-share must be in [0, 1] and --max-requests >= 1");
    }
    SigningKey key = SigningKey.read(labellerKey);
    TrustedKeys trusted = TrustedKeys.of(key);
    if (labellerKeys != null) {
      trusted = trusted.and(TrustedKeys.read(labellerKeys));
    }
    boolean serving = exportLabelStudio == null && importLabelStudio == null;
    Users users = null;
    SSLContext ssl = null;
    if (serving) {
      if (usersFile == null) {
        throw new IllegalArgumentException("label needs --users-file (who may label; see --add-user)");
      }
      users = Users.read(usersFile);
      ssl = tls();
    }
    LabelQueue queue = new LabelQueue(maxRequests, doubleLabelShare, trusted, classes, entityTypes);
    try (LabelLoop loop = new LabelLoop(kafka.clients(), queue, requestsTopic, examplesTopic, runsTopic, key)) {
      if (!loop.awaitCaughtUp(Duration.ofMinutes(5))) {
        throw new IllegalStateException("could not read the topics to their end: " + loop.failure());
      }
      if (exportLabelStudio != null) {
        List<TrainingExample> open = queue.openRequests();
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(exportLabelStudio.toFile(),
            LabelStudio.tasks(open));
        System.out.printf("wrote %d open request(s) as Label Studio tasks to %s%n", open.size(), exportLabelStudio);
        return ExitCodes.OK;
      }
      if (importLabelStudio != null) {
        return importLabelStudio(loop);
      }
      // The JDK server's own bounds (read before its first use): a request must arrive within 30 s and a reply leave
      // within 60 s, so idle or trickling connections cannot hold the page's four threads.
      System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
      System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "60"));
      try (LabelServer page = new LabelServer(bind, httpPort, ssl, users, queue, loop, Clock.systemUTC())) {
        server = page;
        System.out.printf("labelling page on %s://%s:%d/ (%d user(s)); answers signed with key %s go to %s%n",
            ssl != null ? "https" : "http", bind, page.port(), users.size(), key.id(), examplesTopic);
        stopped.await();
      }
    }
    return ExitCodes.OK;
  }

  /** The bound port once the page serves, else -1. */
  public int port() {
    LabelServer s = server;
    return s == null ? -1 : s.port();
  }

  /** Stops a serving command (tests). */
  public void stop() {
    stopped.countDown();
  }

  private SSLContext tls() throws IOException, GeneralSecurityException {
    boolean loopback = InetAddress.getByName(bind).isLoopbackAddress();
    if (tlsKeystore == null) {
      if (!loopback) {
        throw new IllegalArgumentException("--bind " + bind + " is not a loopback address: give --tls-keystore "
            + "(passwords and labels must not cross the network in clear text)");
      }
      return null;
    }
    if (tlsPasswordFile == null) {
      throw new IllegalArgumentException("--tls-keystore needs --tls-password-file");
    }
    char[] password = Files.readString(tlsPasswordFile, StandardCharsets.UTF_8).strip().toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(tlsKeystore)) {
      store.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  private int addUser() throws IOException {
    if (usersFile == null) {
      throw new IllegalArgumentException("--add-user needs --users-file");
    }
    if (Files.exists(usersFile) && Files.readString(usersFile, StandardCharsets.UTF_8).lines()
        .anyMatch(l -> l.startsWith(addUser + ":"))) {
      throw new IllegalArgumentException("user " + addUser + " is already in " + usersFile);
    }
    String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (password == null) {
      throw new IllegalArgumentException("no password on standard input");
    }
    String line = Users.entry(addUser, password.toCharArray(), Users.DEFAULT_ITERATIONS);
    Files.writeString(usersFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    System.out.println("added " + addUser + " to " + usersFile);
    return ExitCodes.OK;
  }

  private int importLabelStudio(LabelLoop loop) throws IOException {
    if (Files.size(importLabelStudio) > LabelStudio.MAX_IMPORT_BYTES) {
      throw new IllegalArgumentException(importLabelStudio + " is larger than " + LabelStudio.MAX_IMPORT_BYTES
          + " bytes");
    }
    JsonNode export = new ObjectMapper().readTree(importLabelStudio.toFile());
    List<TrainingExample> examples = LabelStudio.read(export, "import:label-studio", Instant.now());
    int written = 0;
    for (TrainingExample e : examples) {
      if (loop.write(e) == LabelLoop.Written.WRITTEN) {
        written++;
      }
    }
    System.out.printf("imported %d of %d Label Studio annotation(s) into %s (%d already there)%n", written,
        examples.size(), examplesTopic, examples.size() - written);
    return ExitCodes.OK;
  }
}
