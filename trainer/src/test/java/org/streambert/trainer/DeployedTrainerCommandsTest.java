package org.streambert.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The trainer commands that deploy/ runs (compose one-shot service, Kubernetes Job and CronJob) must parse with this
 * CLI: no Docker engine or cluster runs where the tests run, so a renamed option would otherwise go unnoticed.
 */
class DeployedTrainerCommandsTest {

  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static ParseResult parse(List<String> args) {
    return TrainerApp.commandLine().parseArgs(args.toArray(String[]::new));
  }

  @Test
  void shouldParseTheComposeTrainerScript() throws Exception {
    JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
    String script = compose.path("services").path("trainer").path("command").get(0).asText().replace("\\\n", " ");
    List<List<String>> invocations = new ArrayList<>();
    for (String line : script.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("java -jar /app/trainer.jar ")) {
        invocations.add(Arrays.asList(trimmed.substring("java -jar /app/trainer.jar ".length()).trim().split("\\s+")));
      }
    }
    assertEquals(2, invocations.size(), script);
    assertEquals("generate-demo-data", parse(invocations.get(0)).subcommand().commandSpec().name());
    ParseResult fineTune = parse(invocations.get(1)).subcommand();
    assertEquals("fine-tune", fineTune.commandSpec().name());
    assertTrue(fineTune.hasMatchedOption("--publish"));
    assertEquals("bert-nlp", fineTune.matchedOptionValue("--model-name", ""),
        "the model name must be the one the streams app follows (NLP_MODEL_NAME)");
  }

  @Test
  void shouldParseTheKubernetesJobAndCronJobArguments() throws Exception {
    for (String file : List.of("k8s/base/trainer-job.yaml", "k8s/base/trainer-cronjob.yaml")) {
      JsonNode doc = YAML.readTree(DEPLOY.resolve(file).toFile());
      List<JsonNode> containers = doc.findValues("containers");
      assertEquals(1, containers.size(), file);
      List<String> args = new ArrayList<>();
      containers.get(0).get(0).path("args").forEach(a -> args.add(a.asText()));
      ParseResult sub;
      try {
        sub = parse(args).subcommand();
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError(file + ": " + e.getMessage(), e);
      }
      assertEquals("fine-tune", sub.commandSpec().name(), file);
      assertTrue(sub.hasMatchedOption("--publish"), file);
      assertEquals("bert-nlp", sub.matchedOptionValue("--model-name", ""), file);
    }
  }

  @Test
  void shouldParseTrainerServeInTheKubernetesDeploymentWithOneReplica() throws Exception {
    JsonNode doc = YAML.readTree(DEPLOY.resolve("k8s/base/trainer-serve-deployment.yaml").toFile());
    assertEquals(1, doc.path("spec").path("replicas").asInt(), "two trainers would both train every round");
    assertEquals("Recreate", doc.path("spec").path("strategy").path("type").asText());
    List<String> args = new ArrayList<>();
    doc.findValues("containers").get(0).get(0).path("args").forEach(a -> args.add(a.asText()));
    ParseResult sub = parse(args).subcommand();
    assertEquals("serve", sub.commandSpec().name());
    assertTrue(sub.hasMatchedOption("--auto-promote"));
    assertEquals("bert-nlp", sub.matchedOptionValue("--model-name", ""));
    assertTrue(Files.readString(DEPLOY.resolve("k8s/base/kustomization.yaml"))
        .contains("trainer-serve-deployment.yaml"), "the deployment is part of the base");
  }

  @Test
  void shouldParseTheComposeTrainerServeService() throws Exception {
    JsonNode service = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile()).path("services")
        .path("trainer-serve");
    List<String> args = new ArrayList<>();
    service.path("command").forEach(a -> args.add(a.asText()));
    ParseResult sub = parse(args).subcommand();
    assertEquals("serve", sub.commandSpec().name());
    assertEquals("bert-nlp", sub.matchedOptionValue("--model-name", ""),
        "the model name must be the one the streams app follows (NLP_MODEL_NAME)");
  }
}
