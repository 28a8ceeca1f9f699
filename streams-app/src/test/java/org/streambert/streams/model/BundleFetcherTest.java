package org.streambert.streams.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.streams.testing.TestModels;

class BundleFetcherTest {

  @TempDir
  Path dir;

  @Test
  void shouldDownloadBundleOverHttpFileByFileAndVerifyManifest() throws Exception {
    ModelBundle source = TestModels.writeBundle(dir.resolve("served"), "bert-nlp", "3", "standard",
        TestModels.VOCAB);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/models/3/", ex -> {
      Path file = source.dir().resolve(ex.getRequestURI().getPath().substring("/models/3/".length()));
      byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
      ex.sendResponseHeaders(Files.isRegularFile(file) ? 200 : 404, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/3";
      BundleFetcher fetcher = new BundleFetcher(dir.resolve("cache"));
      Path local = fetcher.fetch(uri, "bert-nlp", "3", source.manifestSha256());
      assertTrue(local.startsWith(dir.resolve("cache")));
      assertEquals(source.files(), ModelBundle.open(local).files());
      BundleException wrong = assertThrows(BundleException.class,
          () -> fetcher.fetch(uri, "bert-nlp", "3", "f".repeat(64)));
      assertTrue(wrong.getMessage().contains("sha256"), wrong.getMessage());
    } finally {
      server.stop(0);
    }
  }
}
